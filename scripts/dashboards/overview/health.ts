// "Health at a glance": one number per question an operator asks first, coloured by the
// alert thresholds of monitoring/rules/alerts.yml.
import { type DashboardBuilder, thresholds } from '../builder.js'
import { sel, sumRate } from '../promql.js'
import { IN, HEARTBEAT_P } from './filters.js'

export function health (b: DashboardBuilder): void {
  b.row('Health at a glance')
  b.stat({
    title: 'Connected clients',
    description: 'Sockets connected now, summed over the selected instances and namespaces (socketgate_sockets_connected). A client connected to two namespaces counts twice.',
    unit: 'short', width: 3,
    targets: [{ expr: `sum(${sel('socketgate_sockets_connected', ...IN)})`, legend: 'clients' }],
    defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'blue', value: null }] } }
  })
  b.stat({
    title: 'Gateway nodes',
    description: 'Gateway processes Prometheus scrapes right now (one socketgate_build_info series each). Fewer than you run means a node is down or unreachable.',
    unit: 'short', width: 3,
    targets: [{ expr: `count(${sel('socketgate_build_info')})`, legend: 'nodes' }],
    defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] } }
  })
  b.stat({
    title: 'Heartbeat RTT p99',
    description: 'Worst node\'s 99th percentile of the engine.io heartbeat round trip over the last minute (ping sent by the server to pong received): every client\'s network latency plus the node\'s event-loop delay. Alert above 1 s.',
    unit: 's', width: 3,
    targets: [{ expr: `max(${HEARTBEAT_P('0.99')})`, legend: 'p99' }],
    defaults: thresholds(0.5, 1)
  })
  b.stat({
    title: 'Connect error ratio',
    description: 'Share of namespace connection attempts refused (auth refused, unknown namespace, middleware error) over accepted + refused ones. Alert above 20 %.',
    unit: 'percentunit', width: 3,
    targets: [{
      expr: `${sumRate('', sel('socketgate_socket_connect_errors_total', ...IN))} / (${sumRate('', sel('socketgate_socket_connect_errors_total', ...IN))} + ${sumRate('', sel('socketgate_socket_connects_total', ...IN))})`,
      legend: 'refused'
    }],
    defaults: { ...thresholds(0.05, 0.2), noValue: 'no attempts' }
  })
  b.stat({
    title: 'Events in',
    description: 'Events received from clients per second, all selected namespaces and instances (socketgate_events_received_total).',
    unit: 'cps', width: 3,
    targets: [{ expr: sumRate('', sel('socketgate_events_received_total', ...IN)), legend: 'events/s' }],
    defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'blue', value: null }] } }
  })
  b.stat({
    title: 'Event-loop lag p99',
    description: 'Worst node\'s 99th percentile of Node.js event-loop delay since its previous scrape (nodejs_eventloop_lag_p99_seconds): how late every packet of every client of that node is handled. Alert above 100 ms.',
    unit: 's', width: 3,
    targets: [{ expr: `max(${sel('nodejs_eventloop_lag_p99_seconds')})`, legend: 'p99' }],
    defaults: thresholds(0.05, 0.1)
  })
  b.stat({
    title: 'Redis adapter',
    description: 'Down when any selected node has lost its Redis connection (socketgate_redis_up = 0): that node then serves its local clients only and its broadcasts stop reaching the other nodes. No value: single node without REDIS_URL.',
    unit: 'none', width: 3,
    targets: [{ expr: `min(${sel('socketgate_redis_up')})`, legend: 'redis' }],
    defaults: {
      noValue: 'single node',
      mappings: [{ type: 'value', options: { 0: { text: 'down', color: 'red', index: 0 }, 1: { text: 'up', color: 'green', index: 1 } } }],
      thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] }
    }
  })
  b.stat({
    title: 'Slow clients',
    description: 'Connections whose outbound buffer holds at least METRICS_SLOW_CLIENT_PACKETS packets now (socketgate_slow_clients): clients that cannot keep up with what the gateway sends them.',
    unit: 'short', width: 3,
    targets: [{ expr: `sum(${sel('socketgate_slow_clients')})`, legend: 'slow' }],
    defaults: thresholds(1, 100)
  })
}
