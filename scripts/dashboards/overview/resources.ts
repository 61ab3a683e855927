// Rooms, protection, the HTTP side, the admin UI, the cluster and the Node.js process.
import type { DashboardBuilder } from '../builder.js'
import { quantile, sel, sumRate } from '../promql.js'
import { IN } from './filters.js'

export function rooms (b: DashboardBuilder): void {
  b.row('Rooms and protection')
  b.timeseries({
    title: 'Rooms',
    description: 'Rooms that exist now by namespace (socketgate_rooms), the private room of each socket not counted. On a cluster, each node counts the rooms of its own sockets.',
    unit: 'short', width: 6,
    targets: [{ expr: `sum by (namespace) (${sel('socketgate_rooms', ...IN)})`, legend: '{{namespace}}' }]
  })
  b.barGauge({
    title: 'Rooms by size',
    description: 'Rooms that exist now by number of sockets (socketgate_rooms_by_size): the bar "10" counts rooms of 6 to 10 sockets, the bucket below it ending at 5. How large the audiences of broadcasts are; room names are never labels.',
    unit: 'short', width: 6,
    // The gauge is cumulative like histogram buckets: as `le`, Grafana's heatmap format sorts the
    // bars by size and turns them into per-bucket counts.
    targets: [{
      expr: `sum by (le) (label_replace(${sel('socketgate_rooms_by_size', ...IN)}, "le", "$1", "max_sockets", "(.+)"))`,
      legend: '{{le}}',
      format: 'heatmap'
    }]
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
    unit: 'short', width: 12,
    targets: [
      { expr: `sum by (instance) (${sel('socketgate_slow_clients')})`, legend: 'slow clients {{instance}}' },
      { expr: `sum by (instance) (${sel('socketgate_slow_client_buffered_packets')})`, legend: 'buffered packets {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Limits exceeded',
    description: 'Requests, connections and events per second refused or cut off by one of the gateway\'s limits, by limit (socketgate_limits_exceeded_total): outbound_buffer is a slow client disconnected (alert: SocketgateSlowClientsDisconnected), event_rate an event refused by the rate limit, ip_connections and ip_handshake_rate one address\'s connections, origin a refused Origin, publish_data a publication too large or deep. Zero on a healthy gateway.',
    unit: 'cps', width: 12,
    targets: [{ expr: sumRate('limit', sel('socketgate_limits_exceeded_total')), legend: '{{limit}}' }],
    stack: true
  })
}

export function http (b: DashboardBuilder): void {
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

export function admin (b: DashboardBuilder): void {
  b.row('Admin UI')
  b.timeseries({
    title: 'Admin UI logins',
    description: 'Admin UI logins per second: refused for a wrong user name or password (socketgate_admin_login_failures_total), refused unchecked because the address must wait or too many are being checked (socketgate_admin_logins_throttled_total), and bcrypt checks run on the worker thread (socketgate_admin_password_checks_total). A steady refused rate is someone guessing the password; the checks stay low while the throttle holds.',
    unit: 'cps', width: 6,
    targets: [
      { expr: sumRate('instance', sel('socketgate_admin_login_failures_total')), legend: 'refused {{instance}}' },
      { expr: sumRate('instance', sel('socketgate_admin_logins_throttled_total')), legend: 'throttled {{instance}}' },
      { expr: sumRate('instance', sel('socketgate_admin_password_checks_total')), legend: 'checked {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Admin UI operator actions',
    description: 'Actions operators took in the admin UI per second, by action (socketgate_admin_actions_total: disconnect, join, leave, and emit in development mode); each one is also logged as an audit line.',
    unit: 'cps', width: 6,
    targets: [{ expr: sumRate('action', sel('socketgate_admin_actions_total')), legend: '{{action}}' }]
  })
  b.timeseries({
    title: 'Admin UI operators',
    description: 'Operators connected to each node (socketgate_admin_operators), and whether each node knows of an operator anywhere in the cluster (socketgate_admin_watched: live admin updates are gathered only then).',
    unit: 'none', width: 6,
    targets: [
      { expr: sel('socketgate_admin_operators'), legend: 'operators {{instance}}' },
      { expr: sel('socketgate_admin_watched'), legend: 'watched {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Admin UI messages between nodes',
    description: 'Messages each node sends the others for the admin UI per second, by kind (socketgate_admin_cluster_messages_total: watch, unwatch, events, stats, list, search). Zero while no operator is connected anywhere.',
    unit: 'cps', width: 6,
    targets: [{ expr: sumRate('kind', sel('socketgate_admin_cluster_messages_total')), legend: '{{kind}}' }]
  })
}

export function cluster (b: DashboardBuilder): void {
  b.row('Cluster (Redis)')
  b.timeseries({
    title: 'Redis connection',
    description: 'Whether each node\'s Redis connection is ready (socketgate_redis_up: 1 up, 0 down). A node at 0 keeps its local clients but its broadcasts stop reaching the other nodes, and its readiness reports degraded.',
    unit: 'none', width: 6,
    targets: [{ expr: sel('socketgate_redis_up'), legend: '{{instance}}' }],
    defaults: { min: 0, max: 1, mappings: [{ type: 'value', options: { 0: { text: 'down', index: 0 }, 1: { text: 'up', index: 1 } } }] }
  })
  b.timeseries({
    title: 'Cluster size',
    description: 'Gateway nodes in the cluster as each node sees them, itself included (socketgate_cluster_nodes: heartbeats within CLUSTER_NODE_TIMEOUT_MS), against the number expected (socketgate_cluster_expected_nodes, CLUSTER_EXPECTED_NODES; 0 when not set). Nodes disagreeing for long means some cannot reach Redis.',
    unit: 'short', width: 6,
    targets: [
      { expr: sel('socketgate_cluster_nodes'), legend: '{{instance}}' },
      { expr: `max(${sel('socketgate_cluster_expected_nodes')})`, legend: 'expected' }
    ]
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
    title: 'Cross-node publish failures and adapter errors',
    description: 'Publications to the other nodes per second that Redis refused or never answered (socketgate_cluster_publish_failures_total; local clients still got their copy; alert: SocketgateClusterPublishFailures), and adapter calls that failed with no caller to handle the error, by operation (socketgate_cluster_adapter_errors_total: caught and logged so the node stays up). Zero on a healthy cluster.',
    unit: 'cps', width: 6,
    targets: [
      { expr: sumRate('instance', sel('socketgate_cluster_publish_failures_total')), legend: 'publish failures {{instance}}' },
      { expr: sumRate('instance, operation', sel('socketgate_cluster_adapter_errors_total')), legend: 'adapter errors {{operation}} {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Redis command round trip',
    description: 'Round trip of the Redis commands each node waits on (socketgate_redis_command_duration_seconds: broadcast XADDs, the health PING every second, stream reads), p50 and p99 per node. A hung Redis shows no new observations: watch Time since Redis last answered.',
    unit: 's', width: 6,
    targets: [0.5, 0.99].map((q) => ({ expr: quantile(q, 'instance', sel('socketgate_redis_command_duration_seconds_bucket')), legend: `p${Math.round(q * 100)} {{instance}}` }))
  })
  b.timeseries({
    title: 'Time since Redis last answered',
    description: 'Seconds since Redis last answered each node (socketgate_redis_last_success_age_seconds; the health PING runs every second): near 0 while healthy, growing through an outage or a freeze (SIGSTOP, a hung network). Reconnections per second on the same panel (socketgate_redis_reconnects_total): a steady rate is a flapping link.',
    unit: 's', width: 6,
    targets: [
      { expr: sel('socketgate_redis_last_success_age_seconds'), legend: 'silent for {{instance}}' },
      { expr: sumRate('instance', sel('socketgate_redis_reconnects_total')), legend: 'reconnects/s {{instance}}' }
    ]
  })
  b.timeseries({
    title: 'Redis stream: the recovery window',
    description: 'Broadcasts held in the cluster\'s Redis stream (socketgate_redis_stream_length, trimmed near REDIS_STREAM_MAX_LEN) and the age in seconds of its oldest one (socketgate_redis_stream_oldest_age_seconds): how far back a reconnecting client can be replayed. If the age falls below CONNECTION_RECOVERY_MAX_MS (in seconds) under load, raise REDIS_STREAM_MAX_LEN. Every node reads the same stream. Two units on one axis: read each line by its legend.',
    unit: 'short', width: 6,
    targets: [
      { expr: `max(${sel('socketgate_redis_stream_oldest_age_seconds')})`, legend: 'oldest entry age (s)' },
      { expr: `max(${sel('socketgate_redis_stream_length')})`, legend: 'entries' }
    ]
  })
}

export function runtime (b: DashboardBuilder): void {
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
    description: 'V8 heap used and allocated (nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes) against its limit (nodejs_heap_size_limit_bytes: past it the process dies of "heap out of memory"), and the resident set of the process (process_resident_memory_bytes). A heap that only grows with a flat client count is a leak.',
    unit: 'bytes', width: 8,
    targets: [
      { expr: sel('nodejs_heap_size_limit_bytes'), legend: 'heap limit {{instance}}' },
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
  b.timeseries({
    title: 'Unhandled promise rejections',
    description: 'Promise rejections no code handled, per second (socketgate_unhandled_rejections_total): each one a bug. The socketgate process logs it (sampled) and keeps serving; zero on a healthy node.',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('instance', sel('socketgate_unhandled_rejections_total')), legend: '{{instance}}' }]
  })
  b.table({
    title: 'Versions',
    description: 'Gateway, Socket.IO and Node.js versions each node runs (socketgate_build_info); more than one row per column during a rolling deploy.',
    unit: 'short', width: 8,
    targets: [{ expr: `count by (instance, version, socketio_version, node_version) (${sel('socketgate_build_info')})`, legend: '', instant: true, format: 'table' }]
  })
}
