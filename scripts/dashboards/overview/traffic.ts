// Throughput and latency: events, broadcasts and bytes per second; heartbeats, handlers, acks.
import type { DashboardBuilder } from '../builder.js'
import { percentiles, quantile, sel, sumRate } from '../promql.js'
import { IN, HEARTBEAT_P } from './filters.js'

export function throughput (b: DashboardBuilder): void {
  b.row('Throughput')
  b.timeseries({
    title: 'Events received',
    description: 'Events received from clients per second by namespace (socketgate_events_received_total). The Events drill-down dashboard splits them by event name.',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('namespace', sel('socketgate_events_received_total', ...IN)), legend: '{{namespace}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Events sent',
    description: 'Events emitted by the gateway per second by namespace (socketgate_events_sent_total): one per socket.emit and one per broadcast, whatever its number of recipients (see Broadcast deliveries).',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('namespace', sel('socketgate_events_sent_total', ...IN)), legend: '{{namespace}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Broadcasts and deliveries',
    description: 'Broadcasts emitted per second (socketgate_broadcasts_total, on the node that emitted them) and their deliveries: writes to a client, counted by the node that holds the client (socketgate_deliveries_total), split by where the broadcast was emitted (local: the same node; remote: another node, through Redis). Summed over the nodes, deliveries are every client that got a broadcast; deliveries / broadcasts is the average fan-out.',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('namespace', sel('socketgate_broadcasts_total', ...IN)), legend: 'broadcasts {{namespace}}' },
      { expr: sumRate('namespace, origin', sel('socketgate_deliveries_total', ...IN)), legend: 'deliveries {{namespace}} ({{origin}})' },
      { expr: sumRate('namespace', sel('socketgate_broadcast_recipients_total', ...IN)), legend: 'to the emitting node\'s clients {{namespace}}' }
    ]
  })
  b.timeseries({
    title: 'Bytes in and out',
    description: 'Bytes per second of engine.io packets as encoded on the wire (socketgate_engine_bytes_received_total, socketgate_engine_bytes_sent_total), heartbeats included, by transport. HTTP and WebSocket framing not included.',
    unit: 'Bps', width: 12,
    targets: [
      { expr: sumRate('transport', sel('socketgate_engine_bytes_received_total')), legend: 'in {{transport}}' },
      { expr: sumRate('transport', sel('socketgate_engine_bytes_sent_total')), legend: 'out {{transport}}' }
    ]
  })
  b.timeseries({
    title: 'Packets in and out',
    description: 'engine.io packets per second received and sent (socketgate_engine_packets_received_total, socketgate_engine_packets_sent_total), heartbeats and handshakes included, by transport.',
    unit: 'pps', width: 12,
    targets: [
      { expr: sumRate('transport', sel('socketgate_engine_packets_received_total')), legend: 'in {{transport}}' },
      { expr: sumRate('transport', sel('socketgate_engine_packets_sent_total')), legend: 'out {{transport}}' }
    ]
  })
}

export function latency (b: DashboardBuilder): void {
  b.row('Latency')
  b.timeseries({
    title: 'Heartbeat RTT',
    description: 'engine.io heartbeat round trip per node over the last minute (recording rule instance:socketgate_heartbeat_rtt_seconds:histogram_quantile over socketgate_heartbeat_rtt_seconds): the server pings every client each PING_INTERVAL_MS, so this measures every client\'s network and the node\'s event loop without client cooperation.',
    unit: 's', width: 12,
    targets: [
      { expr: HEARTBEAT_P('0.5'), legend: 'p50 {{instance}}' },
      { expr: HEARTBEAT_P('0.95'), legend: 'p95 {{instance}}' },
      { expr: HEARTBEAT_P('0.99'), legend: 'p99 {{instance}}' }
    ]
  })
  b.heatmap({
    title: 'Heartbeat RTT distribution',
    description: 'Heartbeats per second in each round-trip bucket (socketgate_heartbeat_rtt_seconds_bucket), all selected nodes. A second band appearing higher up is a group of clients (a region, a network) that got slower.',
    unit: 'cps', yUnit: 's', width: 12,
    targets: [{ expr: sumRate('le', sel('socketgate_heartbeat_rtt_seconds_bucket')), legend: '{{le}}', format: 'heatmap' }]
  })
  b.timeseries({
    title: 'Event handler duration',
    description: 'Client-to-server events with an ack: time from receiving the event to sending its ack (socketgate_event_handler_duration_seconds), all events of the selected namespaces. The Events drill-down dashboard has it per event.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_event_handler_duration_seconds_bucket', ...IN))
  })
  b.timeseries({
    title: 'Ack round trip (server to client)',
    description: 'Server-to-client events with an ack (emitWithAck, timeout().emit): time from emit to the client\'s ack (socketgate_server_ack_rtt_seconds). Includes the client\'s own processing. No data with the stock gateway: its chat protocol sends no event with an ack; an application\'s own server-side emitWithAck fills it.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_server_ack_rtt_seconds_bucket', ...IN))
  })
  b.timeseries({
    title: 'Ack timeouts',
    description: 'Server-to-client acks per second that did not come back in time (socketgate_server_ack_timeouts_total), by namespace.',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('namespace', sel('socketgate_server_ack_timeouts_total', ...IN)), legend: '{{namespace}}' }]
  })
  b.timeseries({
    title: 'Broadcast fan-out time',
    description: 'Time a node takes to write one broadcast to all its recipients (socketgate_broadcast_fanout_seconds), once per broadcast per node with recipients, whichever node emitted it: the event loop is blocked that long. Grows with room sizes. The Redis publish before it is not included (see Delivery lag).',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_broadcast_fanout_seconds_bucket', ...IN))
  })
  b.timeseries({
    title: 'Delivery lag',
    description: 'From the emit of a broadcast on its node to a node writing it to its clients (socketgate_delivery_lag_seconds), once per broadcast per node with recipients. local: the emitting node\'s own clients (with Redis, the publish to the stream comes first); remote: the other nodes\' clients, measured between the two nodes\' clocks (skew adds to it). No remote series on a single node.',
    unit: 's', width: 8,
    targets: [0.5, 0.99].map((q) => ({ expr: quantile(q, 'origin', sel('socketgate_delivery_lag_seconds_bucket')), legend: `p${Math.round(q * 100)} {{origin}}` }))
  })
  b.timeseries({
    title: 'Publish hand-off time',
    description: 'Publish API: time from the HTTP request arriving to the event being handed to the adapter for delivery (socketgate_publish_handoff_seconds). No data while no backend publishes.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_publish_handoff_seconds_bucket', ...IN))
  })
}
