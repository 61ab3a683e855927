// "Events drill-down": per namespace and event name, how often, how fast, how often refused.
// Event names are labels up to METRICS_EVENT_LABEL_LIMIT per namespace; later names count
// together as event="_other".
import { COMMON_VARIABLES, DashboardBuilder, dashboard } from './builder.js'
import { EVENT, INSTANCE, NAMESPACE, sel, sumRate } from './promql.js'

const INE = [INSTANCE, NAMESPACE, EVENT] as const
const IN = [INSTANCE, NAMESPACE] as const
const HANDLER_Q = (q: string) =>
  `max by (namespace, event) (instance_namespace_event:socketgate_event_handler_duration_seconds:histogram_quantile{quantile="${q}", ${INE.join(', ')}})`
const LATENCY_NOTE = 'over the last 5 minutes, from the recording rule instance_namespace_event:socketgate_event_handler_duration_seconds:histogram_quantile (socketgate_event_handler_duration_seconds: event received to ack sent; events without an ack are not timed). The worst node is shown. An event not handled in the last 5 minutes has no line (no percentile of nothing).'

function traffic (b: DashboardBuilder): void {
  b.row('Traffic')
  b.timeseries({
    title: 'Events received by event',
    description: 'Events received from clients per second by namespace and event name (socketgate_events_received_total). event="_other" holds every name past METRICS_EVENT_LABEL_LIMIT.',
    unit: 'cps', width: 12,
    targets: [{ expr: sumRate('namespace, event', sel('socketgate_events_received_total', ...INE)), legend: '{{namespace}} {{event}}' }]
  })
  b.timeseries({
    title: 'Events sent by event',
    description: 'Events emitted by the gateway per second by namespace and event name (socketgate_events_sent_total): one per socket.emit and one per broadcast, whatever its number of recipients.',
    unit: 'cps', width: 12,
    targets: [{ expr: sumRate('namespace, event', sel('socketgate_events_sent_total', ...INE)), legend: '{{namespace}} {{event}}' }]
  })
}

function handlers (b: DashboardBuilder): void {
  b.row('Handler latency (events with an ack)')
  for (const [q, name] of [['0.5', 'p50'], ['0.95', 'p95'], ['0.99', 'p99']] as const) {
    b.timeseries({
      title: `Handler duration ${name}`,
      description: `The ${name === 'p50' ? 'median' : name.slice(1) + 'th percentile'} of the handler duration by namespace and event ${LATENCY_NOTE}`,
      unit: 's', width: 8,
      targets: [{ expr: HANDLER_Q(q), legend: '{{namespace}} {{event}}' }]
    })
  }
  b.timeseries({
    title: 'Handled events with an ack',
    description: 'Client events per second whose ack the gateway sent (socketgate_event_handler_duration_seconds_count), by namespace and event.',
    unit: 'cps', width: 12,
    targets: [{ expr: sumRate('namespace, event', sel('socketgate_event_handler_duration_seconds_count', ...INE)), legend: '{{namespace}} {{event}}' }]
  })
  b.timeseries({
    title: 'Mean handler duration',
    description: 'Average time from receiving an event to sending its ack (socketgate_event_handler_duration_seconds _sum / _count), by namespace and event. Outliers pull it above the median.',
    unit: 's', width: 12,
    targets: [{
      expr: `${sumRate('namespace, event', sel('socketgate_event_handler_duration_seconds_sum', ...INE))} / ${sumRate('namespace, event', sel('socketgate_event_handler_duration_seconds_count', ...INE))}`,
      legend: '{{namespace}} {{event}}'
    }]
  })
  b.heatmap({
    title: 'Handler duration distribution',
    description: 'Acked events per second in each duration bucket, for the selected namespaces and events (socketgate_event_handler_duration_seconds_bucket). Pick one event in the Event variable to see its shape.',
    unit: 'cps', yUnit: 's', width: 24,
    targets: [{ expr: sumRate('le', sel('socketgate_event_handler_duration_seconds_bucket', ...INE)), legend: '{{le}}', format: 'heatmap' }]
  })
}

function errors (b: DashboardBuilder): void {
  b.row('Errors')
  b.timeseries({
    title: 'Error ratio by event',
    description: 'Client events whose ack answered { ok: false } (socketgate_event_errors_total) over events received (socketgate_events_received_total), by namespace and event name. An event received in the interval with no errors reads 0; one not received has no line. Alert above 25 %.',
    unit: 'percentunit', width: 24,
    targets: [{
      expr: `${sumRate('namespace, event', sel('socketgate_event_errors_total', ...INE))} / ${sumRate('namespace, event', sel('socketgate_events_received_total', ...INE))}`,
      legend: '{{namespace}} {{event}}'
    }],
    defaults: { min: 0 }
  })
  b.timeseries({
    title: 'Error ratio by namespace',
    description: 'Client events refused (answered { ok: false } or rate limited, socketgate_events_refused_total) over events received (socketgate_events_received_total), by namespace.',
    unit: 'percentunit', width: 12,
    targets: [{
      expr: `${sumRate('namespace', sel('socketgate_events_refused_total', ...IN))} / ${sumRate('namespace', sel('socketgate_events_received_total', ...IN))}`,
      legend: '{{namespace}}'
    }],
    defaults: { min: 0 }
  })
  b.timeseries({
    title: 'Refused events by reason',
    description: 'Client events refused per second by namespace and reason (socketgate_events_refused_total): the error code of the { ok: false } ack (SG_INVALID_PAYLOAD, SG_ROOM_FORBIDDEN, …) or the limit that dropped the event.',
    unit: 'cps', width: 12,
    targets: [{ expr: sumRate('namespace, reason', sel('socketgate_events_refused_total', ...IN)), legend: '{{namespace}} {{reason}}' }],
    stack: true
  })
}

export function eventsDashboard (): Record<string, unknown> {
  const b = new DashboardBuilder()
  for (const section of [traffic, handlers, errors]) section(b)
  return dashboard({
    uid: 'socketgate-events',
    title: 'socketgate / Events drill-down',
    description: 'Per namespace and event name: rates, handler latency percentiles and refusals (docs/monitoring.md).',
    variables: [
      ...COMMON_VARIABLES,
      { name: 'event', label: 'Event', query: 'label_values(socketgate_events_received_total{instance=~"$instance", namespace=~"$namespace"}, event)', allValue: '.*' }
    ],
    panels: b.panels
  })
}
