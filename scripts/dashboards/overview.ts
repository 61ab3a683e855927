// "Gateway overview": is the gateway healthy, how many clients, how much traffic, how fast.
// Metric semantics are those of docs/metrics.md; the descriptions below repeat what an operator
// needs to read each panel without leaving Grafana.
import { DashboardBuilder, dashboard, thresholds } from './builder.js'
import { INSTANCE, NAMESPACE, percentiles, quantile, sel, sumRate } from './promql.js'

const IN = [INSTANCE, NAMESPACE] as const
const HEARTBEAT_P = (q: string) => `instance:socketgate_heartbeat_rtt_seconds:histogram_quantile{quantile="${q}", ${INSTANCE}}`

function health (b: DashboardBuilder): void {
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

function connections (b: DashboardBuilder): void {
  b.row('Connections')
  b.timeseries({
    title: 'Connected clients by namespace',
    description: 'Sockets connected now per namespace (socketgate_sockets_connected), summed over the selected instances. Dynamic namespaces count under their parent pattern.',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (namespace) (${sel('socketgate_sockets_connected', ...IN)})`, legend: '{{namespace}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connected clients by instance',
    description: 'Sockets connected now per gateway node (socketgate_sockets_connected). Uneven lines mean the load balancer spreads clients unevenly, or clients moved after a node restarted.',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (instance) (${sel('socketgate_sockets_connected', ...IN)})`, legend: '{{instance}}' }]
  })
  b.timeseries({
    title: 'Connections by transport',
    description: 'engine.io connections open now by transport (socketgate_engine_connections): polling ones have not upgraded to WebSocket (yet, or cannot).',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (transport) (${sel('socketgate_engine_connections')})`, legend: '{{transport}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connects and disconnects',
    description: 'Sockets joining (socketgate_socket_connects_total, after the middlewares accepted them) and leaving (socketgate_socket_disconnects_total) a namespace, per second.',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('namespace', sel('socketgate_socket_connects_total', ...IN)), legend: 'connects {{namespace}}' },
      { expr: sumRate('namespace', sel('socketgate_socket_disconnects_total', ...IN)), legend: 'disconnects {{namespace}}' }
    ]
  })
  b.timeseries({
    title: 'Disconnect reasons',
    description: 'Disconnects per second by Socket.IO reason: "transport close" (client went away), "ping timeout" (client stopped answering heartbeats), "client namespace disconnect" (client left), "server namespace disconnect" (gateway ended it: drain, token expiry), "transport error", "server shutting down".',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('reason', sel('socketgate_socket_disconnects_total', ...IN)), legend: '{{reason}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connect errors',
    description: 'Refused connections per second. Namespace level (socketgate_socket_connect_errors_total): auth refused, unknown namespace, draining, middleware error. engine.io level, before any socket existed (socketgate_engine_handshake_errors_total): bad request, session id unknown (often a missing sticky session), forbidden (origin or draining).',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('reason', sel('socketgate_socket_connect_errors_total', ...IN)), legend: '{{reason}}' },
      { expr: sumRate('reason', sel('socketgate_engine_handshake_errors_total')), legend: 'handshake: {{reason}}' }
    ]
  })
  b.timeseries({
    title: 'Transport upgrades',
    description: 'engine.io connections per second that upgraded their transport (socketgate_engine_upgrades_total), by the transport they moved to. Clients start on polling and upgrade unless they ask for WebSocket only.',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('transport', sel('socketgate_engine_upgrades_total')), legend: 'to {{transport}}' }]
  })
  b.timeseries({
    title: 'Connection state recoveries',
    description: 'Reconnections per second that asked to recover their session (socketgate_connection_recoveries_total): recovered (rooms, data and missed events restored) or not_recovered (too late: CONNECTION_RECOVERY_MAX_MS passed, or the session is unknown).',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('outcome', sel('socketgate_connection_recoveries_total', ...IN)), legend: '{{outcome}}' }]
  })
  b.timeseries({
    title: 'Connection duration',
    description: 'How long closed engine.io connections lasted (socketgate_engine_connection_duration_seconds), percentiles over the connections that closed in each interval. Short lives with many connects mean clients reconnect in a loop.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_engine_connection_duration_seconds_bucket'))
  })
}

function throughput (b: DashboardBuilder): void {
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
    description: 'Broadcasts emitted per second (socketgate_broadcasts_total) and the local sockets they were handed to (socketgate_broadcast_recipients_total). Deliveries / broadcasts is the average fan-out.',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('namespace', sel('socketgate_broadcasts_total', ...IN)), legend: 'broadcasts {{namespace}}' },
      { expr: sumRate('namespace', sel('socketgate_broadcast_recipients_total', ...IN)), legend: 'deliveries {{namespace}}' }
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

function latency (b: DashboardBuilder): void {
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
    description: 'Heartbeats per round-trip bucket in each interval (socketgate_heartbeat_rtt_seconds_bucket), all selected nodes. A second band appearing higher up is a group of clients (a region, a network) that got slower.',
    unit: 'short', yUnit: 's', width: 12,
    targets: [{ expr: `sum by (le) (increase(${sel('socketgate_heartbeat_rtt_seconds_bucket')}[$__rate_interval]))`, legend: '{{le}}', format: 'heatmap' }]
  })
  b.timeseries({
    title: 'Event handler duration',
    description: 'Client-to-server events with an ack: time from receiving the event to sending its ack (socketgate_event_handler_duration_seconds), all events of the selected namespaces. The Events drill-down dashboard has it per event.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_event_handler_duration_seconds_bucket', ...IN))
  })
  b.timeseries({
    title: 'Ack round trip (server to client)',
    description: 'Server-to-client events with an ack (emitWithAck, timeout().emit): time from emit to the client\'s ack (socketgate_server_ack_rtt_seconds). Includes the client\'s own processing.',
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
    description: 'Time to hand one broadcast to every local recipient (socketgate_broadcast_fanout_seconds): grows with room sizes and with the event loop\'s load.',
    unit: 's', width: 12,
    targets: percentiles('', sel('socketgate_broadcast_fanout_seconds_bucket', ...IN))
  })
  b.timeseries({
    title: 'Publish hand-off time',
    description: 'Publish API: time from the HTTP request arriving to the event being handed to the adapter for delivery (socketgate_publish_handoff_seconds).',
    unit: 's', width: 12,
    targets: percentiles('', sel('socketgate_publish_handoff_seconds_bucket', ...IN))
  })
}

function rooms (b: DashboardBuilder): void {
  b.row('Rooms and protection')
  b.timeseries({
    title: 'Rooms',
    description: 'Rooms that exist now by namespace (socketgate_rooms), the private room of each socket not counted. On a cluster, each node counts the rooms of its own sockets.',
    unit: 'short', width: 6,
    targets: [{ expr: `sum by (namespace) (${sel('socketgate_rooms', ...IN)})`, legend: '{{namespace}}' }]
  })
  b.barGauge({
    title: 'Rooms by size',
    description: 'Rooms that exist now with at most N sockets (socketgate_rooms_by_size, cumulative like histogram buckets): how large the audiences of broadcasts are. Room names are never labels.',
    unit: 'short', width: 6,
    targets: [{ expr: `sum by (max_sockets) (${sel('socketgate_rooms_by_size', ...IN)})`, legend: '≤ {{max_sockets}}', instant: true }]
  })
  b.timeseries({
    title: 'Room joins and leaves',
    description: 'Sockets joining (socketgate_room_joins_total) and leaving (socketgate_room_leaves_total, disconnections included) rooms per second.',
    unit: 'cps', width: 6,
    targets: [
      { expr: sumRate('namespace', sel('socketgate_room_joins_total', ...IN)), legend: 'joins {{namespace}}' },
      { expr: sumRate('namespace', sel('socketgate_room_leaves_total', ...IN)), legend: 'leaves {{namespace}}' }
    ]
  })
  b.timeseries({
    title: 'Refused and rate-limited events',
    description: 'Client events per second answered { ok: false } or dropped by a limit (socketgate_events_refused_total), by error code or limit: bad payloads, forbidden rooms, rate limiting.',
    unit: 'cps', width: 6,
    targets: [{ expr: sumRate('reason', sel('socketgate_events_refused_total', ...IN)), legend: '{{reason}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Slow clients and their backlog',
    description: 'Connections whose outbound buffer holds at least METRICS_SLOW_CLIENT_PACKETS packets (socketgate_slow_clients) and the packets waiting in those buffers (socketgate_slow_client_buffered_packets). A growing backlog is memory the node holds for clients that cannot keep up.',
    unit: 'short', width: 24,
    targets: [
      { expr: `sum by (instance) (${sel('socketgate_slow_clients')})`, legend: 'slow clients {{instance}}' },
      { expr: `sum by (instance) (${sel('socketgate_slow_client_buffered_packets')})`, legend: 'buffered packets {{instance}}' }
    ]
  })
}

function http (b: DashboardBuilder): void {
  b.row('Publish API and HTTP')
  b.timeseries({
    title: 'Publish API requests',
    description: 'POST /api/v1/publish requests per second by HTTP status (socketgate_publish_requests_total): 200 delivered, 400 bad body, 401 wrong key, 503 cluster not ready.',
    unit: 'reqps', width: 8,
    targets: [{ expr: sumRate('status_code', sel('socketgate_publish_requests_total')), legend: '{{status_code}}' }],
    stack: true
  })
  b.timeseries({
    title: 'HTTP requests by route',
    description: 'HTTP requests served per second by route pattern and status (socketgate_http_request_duration_seconds_count): publish API, health, metrics, admin UI. Socket.IO\'s own requests are not Fastify routes and are not counted here.',
    unit: 'reqps', width: 8,
    targets: [{ expr: sumRate('route, status_code', sel('socketgate_http_request_duration_seconds_count')), legend: '{{route}} {{status_code}}' }]
  })
  b.timeseries({
    title: 'HTTP request duration p99',
    description: 'The 99th percentile of the time Fastify took to answer, by route pattern (socketgate_http_request_duration_seconds).',
    unit: 's', width: 8,
    targets: [{ expr: quantile(0.99, 'route', sel('socketgate_http_request_duration_seconds_bucket')), legend: '{{route}}' }]
  })
}

function cluster (b: DashboardBuilder): void {
  b.row('Cluster (Redis)')
  b.timeseries({
    title: 'Redis connection',
    description: 'Whether each node\'s Redis connection is ready (socketgate_redis_up: 1 up, 0 down). A node at 0 keeps its local clients but its broadcasts stop reaching the other nodes, and its readiness is 503.',
    unit: 'none', width: 6,
    targets: [{ expr: sel('socketgate_redis_up'), legend: '{{instance}}' }],
    defaults: { min: 0, max: 1, mappings: [{ type: 'value', options: { 0: { text: 'down', index: 0 }, 1: { text: 'up', index: 1 } } }] }
  })
  b.timeseries({
    title: 'Cluster size',
    description: 'Gateway nodes in the cluster as each node sees them, itself included (socketgate_cluster_nodes: heartbeats within CLUSTER_NODE_TIMEOUT_MS). Nodes disagreeing for long means some cannot reach Redis.',
    unit: 'short', width: 6,
    targets: [{ expr: sel('socketgate_cluster_nodes'), legend: '{{instance}}' }]
  })
  b.timeseries({
    title: 'Cross-node messages',
    description: 'Messages per second this node published to (out) and received from (in) the other nodes through Redis, by adapter message type (socketgate_cluster_messages_published_total, socketgate_cluster_messages_received_total).',
    unit: 'cps', width: 6,
    targets: [
      { expr: sumRate('type', sel('socketgate_cluster_messages_published_total')), legend: 'out {{type}}' },
      { expr: sumRate('type', sel('socketgate_cluster_messages_received_total')), legend: 'in {{type}}' }
    ]
  })
  b.timeseries({
    title: 'Cross-node publish failures',
    description: 'Publications to the other nodes per second that Redis refused or never answered (socketgate_cluster_publish_failures_total); local clients still got their copy.',
    unit: 'cps', width: 6,
    targets: [{ expr: sumRate('instance', sel('socketgate_cluster_publish_failures_total')), legend: '{{instance}}' }]
  })
}

function runtime (b: DashboardBuilder): void {
  b.row('Process')
  b.timeseries({
    title: 'Event-loop lag',
    description: 'Node.js event-loop delay percentiles since the previous scrape (nodejs_eventloop_lag_p50_seconds, nodejs_eventloop_lag_p99_seconds): the extra wait every packet of every client of the node had.',
    unit: 's', width: 8,
    targets: [
      { expr: sel('nodejs_eventloop_lag_p50_seconds'), legend: 'p50 {{instance}}' },
      { expr: sel('nodejs_eventloop_lag_p99_seconds'), legend: 'p99 {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'CPU',
    description: 'CPU time used per second of wall time (process_cpu_seconds_total, user + system): 100 % is one full core. Node.js runs JavaScript on one core.',
    unit: 'percentunit', width: 8,
    targets: [{ expr: sumRate('instance', sel('process_cpu_seconds_total')), legend: '{{instance}}' }]
  })
  b.timeseries({
    title: 'Memory',
    description: 'V8 heap used and allocated (nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes) and the resident set of the process (process_resident_memory_bytes). A heap that only grows with a flat client count is a leak.',
    unit: 'bytes', width: 8,
    targets: [
      { expr: sel('nodejs_heap_size_used_bytes'), legend: 'heap used {{instance}}' },
      { expr: sel('nodejs_heap_size_total_bytes'), legend: 'heap total {{instance}}' },
      { expr: sel('process_resident_memory_bytes'), legend: 'rss {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Garbage collection',
    description: 'Share of wall time spent in garbage collection, by GC kind (nodejs_gc_duration_seconds): time the event loop was paused for every client.',
    unit: 'percentunit', width: 8,
    targets: [{ expr: sumRate('instance, kind', sel('nodejs_gc_duration_seconds_sum')), legend: '{{kind}} {{instance}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Open file descriptors',
    description: 'File descriptors open now (process_open_fds: one per connection, plus files and Redis) against the limit (process_max_fds). At the limit new connections fail.',
    unit: 'short', width: 8,
    targets: [
      { expr: sel('process_open_fds'), legend: 'open {{instance}}' },
      { expr: sel('process_max_fds'), legend: 'limit {{instance}}' }
    ]
  })
  b.table({
    title: 'Versions',
    description: 'Gateway, Socket.IO and Node.js versions each node runs (socketgate_build_info); more than one row per column during a rolling deploy.',
    unit: 'short', width: 8,
    targets: [{ expr: `count by (instance, version, socketio_version, node_version) (${sel('socketgate_build_info')})`, legend: '', instant: true, format: 'table' }]
  })
}

export function overviewDashboard (): Record<string, unknown> {
  const b = new DashboardBuilder()
  for (const section of [health, connections, throughput, latency, rooms, http, cluster, runtime]) section(b)
  return dashboard({
    uid: 'socketgate-overview',
    title: 'socketgate / Gateway overview',
    description: 'Health, clients, traffic and latency of the socketgate gateway nodes (docs/monitoring.md).',
    variables: [
      { name: 'instance', label: 'Instance', query: 'label_values(socketgate_build_info, instance)' },
      { name: 'namespace', label: 'Namespace', query: 'label_values(socketgate_sockets_connected{instance=~"$instance"}, namespace)', allValue: '.*' }
    ],
    panels: b.panels
  })
}
