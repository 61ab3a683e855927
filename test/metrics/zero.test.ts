// Every closed label set exists at 0 on a gateway that has served nothing: Prometheus's rate()
// and increase() cannot see the first increment of a series that appears with it, so the first
// auth refusal, recovery, handshake error or publish 503 would otherwise read 0 on every panel.
import t, { type Test } from 'tap'
import { NOT_RECOVERED_REASONS, RECOVERED_REASONS } from '../../src/recovery/types.js'
import { startGateway } from '../../src/testing.js'
import { scrape, type Scrape } from './helpers.js'
import { SHARED_REDIS, uniquePrefix } from '../cluster/helpers.js'

/** The series of `name` with exactly these labels: present, and 0 (histograms: their count). */
function zero (t: Test, s: Scrape, name: string, labels: Record<string, string> = {}): void {
  const family = s.get(name)
  const want = JSON.stringify(Object.entries(labels).sort())
  const found = family?.values.filter((v) => {
    if (v.metricName !== undefined && v.metricName !== `${name}_count`) return false
    return JSON.stringify(Object.entries(v.labels).filter(([k]) => k !== 'le').map(([k, v]) => [k, String(v)]).sort()) === want
  }) ?? []
  t.equal(found.length, 1, `${name}${JSON.stringify(labels)} exists`)
  t.equal(found[0]?.value, 0, `${name}${JSON.stringify(labels)} is 0`)
}

const DISCONNECT = ['transport close', 'transport error', 'ping timeout', 'parse error', 'forced close', 'server shutting down',
  'forced server close', 'client namespace disconnect', 'server namespace disconnect', 'other']
const CONNECT_ERRORS = ['auth refused', 'draining', 'middleware error']
const HANDSHAKE = ['transport unknown', 'session id unknown', 'bad handshake method', 'bad request', 'forbidden', 'unsupported protocol version', 'other']
const CODES = ['SG_INVALID_PAYLOAD', 'SG_INVALID_ROOM', 'SG_ROOM_FORBIDDEN', 'SG_NOT_IN_ROOM', 'SG_TOO_MANY_ROOMS', 'SG_UNAVAILABLE', 'other', 'rate limited']

t.test('a gateway that has served nothing has every closed label set at 0', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'], connectionRecovery: true, metricsEvents: 'poll:vote,poll:closed', adminUi: false })
  const s = await scrape(gw)
  for (const namespace of ['/', '/chat']) {
    const ns = { namespace }
    for (const reason of DISCONNECT) zero(t, s, 'socketgate_socket_disconnects_total', { ...ns, reason })
    for (const reason of CONNECT_ERRORS) zero(t, s, 'socketgate_socket_connect_errors_total', { ...ns, reason })
    for (const reason of RECOVERED_REASONS) zero(t, s, 'socketgate_connection_recoveries_total', { ...ns, outcome: 'recovered', reason })
    for (const reason of NOT_RECOVERED_REASONS) zero(t, s, 'socketgate_connection_recoveries_total', { ...ns, outcome: 'not_recovered', reason })
    for (const reason of CODES) zero(t, s, 'socketgate_events_refused_total', { ...ns, reason })
    for (const origin of ['local', 'remote']) zero(t, s, 'socketgate_deliveries_total', { ...ns, origin })
    for (const name of ['socket_connects_total', 'broadcasts_total', 'broadcast_recipients_total', 'room_joins_total', 'room_leaves_total', 'server_ack_timeouts_total']) {
      zero(t, s, `socketgate_${name}`, ns)
    }
    for (const name of ['broadcast_fanout_seconds', 'publish_handoff_seconds', 'server_ack_rtt_seconds']) zero(t, s, `socketgate_${name}`, ns)
    // The chat protocol's events and the declared ones, in both directions as they travel.
    for (const event of ['room:join', 'room:leave', 'message:send', 'poll:vote', 'poll:closed', '_other']) {
      zero(t, s, 'socketgate_events_received_total', { ...ns, event })
    }
    for (const event of ['room:join', 'room:leave', 'message:send']) {
      zero(t, s, 'socketgate_event_errors_total', { ...ns, event })
      zero(t, s, 'socketgate_event_handler_duration_seconds', { ...ns, event })
    }
    for (const event of ['message:new', 'auth:expired', 'session:ready', 'poll:vote', 'poll:closed', '_other']) {
      zero(t, s, 'socketgate_events_sent_total', { ...ns, event })
    }
  }
  zero(t, s, 'socketgate_socket_connect_errors_total', { namespace: '_unknown', reason: 'unknown namespace' })
  for (const reason of HANDSHAKE) zero(t, s, 'socketgate_engine_handshake_errors_total', { reason })
  zero(t, s, 'socketgate_engine_upgrades_total', { transport: 'websocket' })
  for (const transport of ['polling', 'websocket']) {
    for (const name of ['packets_received_total', 'packets_sent_total', 'bytes_received_total', 'bytes_sent_total']) zero(t, s, `socketgate_engine_${name}`, { transport })
  }
  for (const status of ['200', '400', '401', '404', '413', '415', '429', '500', '503']) zero(t, s, 'socketgate_publish_requests_total', { status_code: status })
  for (const origin of ['local', 'remote']) zero(t, s, 'socketgate_delivery_lag_seconds', { origin })
  zero(t, s, 'socketgate_heartbeat_rtt_seconds')
  zero(t, s, 'socketgate_engine_connection_duration_seconds')
})

t.test('a cluster node has every cluster message type at 0 before the first message', async (t) => {
  const gw = await startGateway(t, { redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), adminUi: false })
  const s = await scrape(gw)
  // heartbeats flow at once; every other type has not happened yet and must be there at 0.
  for (const type of ['broadcast', 'sockets_join', 'sockets_leave', 'disconnect_sockets', 'fetch_sockets', 'fetch_sockets_response',
    'server_side_emit', 'server_side_emit_response', 'broadcast_client_count', 'broadcast_ack', 'adapter_close', 'other']) {
    zero(t, s, 'socketgate_cluster_messages_published_total', { type })
    zero(t, s, 'socketgate_cluster_messages_received_total', { type })
  }
  zero(t, s, 'socketgate_cluster_publish_failures_total')
})
