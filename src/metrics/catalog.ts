// Every counter and histogram the gateway keeps, with its name and help text; docs/metrics.md
// describes the same list (test/metrics/docs.test.ts keeps the two equal). Gauges are computed
// at scrape time and live next to their sources (gauges.ts).
import type { Registry } from 'prom-client'
import { FastCounter, FastHistogram } from './families.js'

export interface Buckets {
  /** Seconds; every latency histogram. */
  latency: readonly number[]
  /** Seconds; connection duration. */
  connection: readonly number[]
}

export type Catalog = ReturnType<typeof createCatalog>

/** Values of limits_exceeded_total's `limit` label, each created at 0 (docs/security.md says what each one answers). */
export const LIMITS = [
  'outbound_buffer', 'unsolicited_pong', 'event_rate', 'event_rate_disconnect', 'ip_connections', 'ip_handshake_rate',
  'auth_size', 'partial_message', 'origin', 'publish_data', 'metrics_scrape'
] as const
export type Limit = typeof LIMITS[number]

/** `handlerTiming` false leaves the handler histogram out of the registry: empty, it would read as "no acked events". */
export function createCatalog (registry: Registry, prefix: string, buckets: Buckets, handlerTiming = true) {
  const counter = (name: string, help: string, labels: string[] = []) =>
    new FastCounter(prefix + name, help, labels).register(registry)
  const histogram = (name: string, help: string, labels: string[], bounds: readonly number[]) =>
    new FastHistogram(prefix + name, help, labels, bounds).register(registry)
  const latency = (name: string, help: string, labels: string[] = []) => histogram(name, help, labels, buckets.latency)

  return {
    // Connections
    connects: counter('socket_connects_total', 'Sockets that joined a namespace (after its middlewares accepted them)', ['namespace']),
    disconnects: counter('socket_disconnects_total', 'Sockets that left a namespace, by Socket.IO disconnect reason', ['namespace', 'reason']),
    connectErrors: counter('socket_connect_errors_total', 'Namespace connections refused (connect_error sent to the client), by reason', ['namespace', 'reason']),
    handshakeErrors: counter('engine_handshake_errors_total', 'engine.io requests refused before any socket existed, by engine.io error', ['reason']),
    upgrades: counter('engine_upgrades_total', 'engine.io connections that upgraded their transport, by the new transport', ['transport']),
    connectionDuration: histogram('engine_connection_duration_seconds', 'Lifetime of closed engine.io connections', [], buckets.connection),
    // Latency
    heartbeat: latency('heartbeat_rtt_seconds', 'engine.io heartbeat round trip: ping sent by the server to pong received, per connection'),
    ackRtt: latency('server_ack_rtt_seconds', 'Server-to-client events with an ack (emitWithAck, timeout().emit): emit to ack received', ['namespace']),
    ackTimeouts: counter('server_ack_timeouts_total', 'Server-to-client acks that timed out (timeout().emit / emitWithAck)', ['namespace']),
    handler: handlerTiming ? latency('event_handler_duration_seconds', 'Client-to-server events with an ack: event received to ack sent', ['namespace', 'event']) : undefined,
    publishHandoff: latency('publish_handoff_seconds', 'Publish API: request received to the event handed to the adapter for delivery', ['namespace']),
    // Throughput
    received: counter('events_received_total', 'Events received from clients', ['namespace', 'event']),
    sent: counter('events_sent_total', 'Events emitted by the server: one per socket.emit and one per broadcast, whatever its recipients', ['namespace', 'event']),
    broadcasts: counter('broadcasts_total', 'Broadcasts (to a namespace or rooms) emitted on this node', ['namespace']),
    recipients: counter('broadcast_recipients_total', 'Local sockets the broadcasts of this node were handed to', ['namespace']),
    deliveries: counter('deliveries_total', 'Broadcasts written to a local socket, one per socket, by where the broadcast was emitted (origin: local, this node; remote, another node): summed over the nodes, every delivery of the cluster', ['namespace', 'origin']),
    packetsReceived: counter('engine_packets_received_total', 'engine.io packets received (heartbeats included), by transport', ['transport']),
    packetsSent: counter('engine_packets_sent_total', 'engine.io packets sent (heartbeats and handshakes included), by transport', ['transport']),
    bytesReceived: counter('engine_bytes_received_total', 'Bytes of the engine.io packets received, as encoded on the wire, by transport', ['transport']),
    bytesSent: counter('engine_bytes_sent_total', 'Bytes of the engine.io packets sent, as encoded on the wire, by transport', ['transport']),
    publishRequests: counter('publish_requests_total', 'Publish API requests (POST /api/v1/publish), by HTTP status', ['status_code']),
    // Fan-out
    fanout: latency('broadcast_fanout_seconds', 'Time to write one broadcast to every local recipient, once per broadcast per node that has recipients (the Redis publish not included)', ['namespace']),
    deliveryLag: latency('delivery_lag_seconds', 'From the emit of a broadcast on its node to this node writing it to its sockets, once per broadcast per node that has recipients (origin remote: across nodes, by their wall clocks)', ['origin']),
    // State
    roomJoins: counter('room_joins_total', 'Sockets joining a room (not counting the private room of each socket)', ['namespace']),
    roomLeaves: counter('room_leaves_total', 'Sockets leaving a room, disconnections included (private rooms not counted)', ['namespace']),
    // Protection
    refused: counter('events_refused_total', 'Client events refused: answered { ok: false } (by error code) or rate limited', ['namespace', 'reason']),
    eventErrors: counter('event_errors_total', 'Client events whose ack answered { ok: false }, by event name (the error ratio of each event)', ['namespace', 'event']),
    limitsExceeded: counter('limits_exceeded_total', 'Requests, connections or events refused or cut off by a limit, by limit', ['limit']),
    // Process
    unhandledRejections: counter('unhandled_rejections_total', 'Promise rejections no code handled (each one a bug): the socketgate process logs and counts them and keeps serving'),
    http: latency('http_request_duration_seconds', 'HTTP requests served by Fastify, by route pattern', ['method', 'route', 'status_code'])
  }
}
