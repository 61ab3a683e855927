// Every PromQL expression of the dashboards and the rule files, run by a real Prometheus that
// scrapes a live gateway every second with the project's prometheus.yml (targets rewritten) and
// rule files, after representative traffic: connects over both transports, events with acks, a
// ping timeout, an auth refusal, publish-API calls, a cluster node on Redis.
import bcrypt from 'bcryptjs'
import { io as ioc } from 'socket.io-client'
import { stringify } from 'yaml'
import WebSocket from 'ws'
import t, { type Test } from 'tap'
import { HandshakeError, SocketErrorCode } from '../../src/errors.js'
import { noAuth, type Authenticate } from '../../src/realtime/auth.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import type { GatewayClient } from '../../src/client.js'
import { RULE_FILES, dashboardQueries, metricNames, readYaml, repoPath, ruleQueries, startPrometheus, substitute } from './helpers.js'

const KEY = 'monitoring-test-publish-key'
// Refuses one name, so the test can produce an auth refusal on demand.
const authenticate: Authenticate = async (handshake) => {
  if (handshake.auth.name === 'intruder') throw new HandshakeError(SocketErrorCode.AuthInvalid, 'intruders are refused')
  return noAuth(handshake)
}

interface ScrapeConfig { job_name: string, scrape_interval?: string, static_configs: Array<{ targets: string[] }> }

/** The repo's prometheus.yml, pointed at these gateways and this Prometheus, every second. */
function testConfig (gateways: TestGateway[]): (promPort: number) => string {
  const config = readYaml(repoPath('prometheus.yml')) as { global: Record<string, string>, rule_files: string[], scrape_configs: ScrapeConfig[] }
  return (promPort) => stringify({
    ...config,
    global: { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: RULE_FILES(),
    scrape_configs: config.scrape_configs.map((s) => ({
      ...s,
      static_configs: [{ targets: s.job_name === 'socketgate' ? gateways.map((gw) => new URL(gw.url).host) : [`127.0.0.1:${promPort}`] }]
    }))
  })
}

/** Opens a raw engine.io WebSocket, joins "/" and then never answers a ping; resolves on close. */
async function pingTimeout (gw: TestGateway): Promise<void> {
  const ws = new WebSocket(gw.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  const joined = new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send('40')
      else if (text.startsWith('40')) resolve()
      else if (text.startsWith('44')) reject(new Error(`connect refused: ${text}`))
    })
    ws.once('error', reject)
  })
  await joined
  await closed
}

const ADMIN_PASSWORD = 'monitoring test operator'

/** Resolves once logged in to the admin UI (its first `config` event); rejects on connect_error. */
async function connectAdmin (t: Test, gw: TestGateway, password: string) {
  const admin = ioc(`${gw.url}/admin`, { auth: { username: 'admin', password }, transports: ['websocket'], reconnection: false, forceNew: true })
  t.teardown(() => { admin.disconnect() })
  await new Promise((resolve, reject) => {
    admin.once('config', resolve)
    admin.once('connect_error', reject)
  })
  return admin
}

/** Drives the traffic; resolves with a client left in room "lobby". */
async function traffic (t: Test, gw: TestGateway): Promise<GatewayClient> {
  // WebSocket, polling-only, and polling that upgrades; two namespaces.
  const ws = await connectClient(t, gw, { auth: { name: 'ada' } })
  const chat = await connectClient(t, gw, { nsp: '/chat' })
  const polling = await connectClient(t, gw, { transports: ['polling'] })
  const upgrading = await connectClient(t, gw, { transports: ['polling', 'websocket'] })
  if (upgrading.io.engine.transport.name !== 'websocket') {
    await new Promise((resolve) => upgrading.io.engine.once('upgrade', resolve))
  }
  // A reconnection asking for a session this node does not know: not recovered.
  await connectClient(t, gw, { auth: { pid: 'unknown-session', offset: '0-0' } })

  // Client → server events with acks: joins, a broadcast, a refused payload, a leave.
  t.same(await ws.timeout(2000).emitWithAck('room:join', 'lobby'), { ok: true })
  await polling.timeout(2000).emitWithAck('room:join', 'lobby')
  t.match(await ws.timeout(2000).emitWithAck('message:send', { content: 'hello', room: 'lobby' }), { ok: true })
  t.match(await ws.timeout(2000).emitWithAck('message:send', { content: '' }), { ok: false, error: { code: 'SG_INVALID_PAYLOAD' } })
  t.same(await polling.timeout(2000).emitWithAck('room:leave', 'lobby'), { ok: true })

  // Server → client acks: one answered, one left to time out.
  const probe = (client: GatewayClient): void => {
    (client as unknown as { on: (e: string, fn: (ack: (v: string) => void) => void) => void }).on('probe', (ack) => ack('here'))
  }
  probe(ws)
  // The gateway's typed events have no server → client acks of their own: an application's would.
  type Probe = { timeout: (ms: number) => { emitWithAck: (event: string) => Promise<unknown> } }
  const serverSide = (nsp: string, client: GatewayClient) => gw.io.of(nsp).sockets.get(client.id!) as unknown as Probe
  t.equal(await serverSide('/', ws).timeout(2000).emitWithAck('probe'), 'here')
  await t.rejects(serverSide('/chat', chat).timeout(100).emitWithAck('probe'), /operation has timed out/)

  // Refusals: an auth refusal, an engine.io request for a session that does not exist.
  await t.rejects(connectClient(t, gw, { auth: { name: 'intruder' } }), { message: 'intruders are refused', data: { code: 'SG_AUTH_INVALID' } })
  const unknownSid = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling&sid=nope`)
  t.equal(unknownSid.status, 400)
  await pingTimeout(gw)

  // Publish API: delivered, wrong key, bad body.
  const publish = (key: string, body: unknown) => fetch(`${gw.url}/api/v1/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  t.equal((await publish(KEY, { room: 'lobby', event: 'news', data: { n: 1 } })).status, 200)
  t.equal((await publish('wrong-key-wrong-key', { event: 'news' })).status, 401)
  t.equal((await publish(KEY, { event: 'news', colour: 'red' })).status, 400)

  // Admin UI: a refused login, and an operator disconnecting a client.
  await t.rejects(connectAdmin(t, gw, 'a wrong guess'), { message: 'invalid credentials' })
  const operator = await connectAdmin(t, gw, ADMIN_PASSWORD)
  const gone = nextEvent(upgrading, 'disconnect')
  operator.emit('_disconnect', '/', false, upgrading.id)
  t.match(await gone, ['io server disconnect'])

  // A client leaving: disconnect reason and connection duration.
  polling.disconnect()
  return ws
}

t.test('every dashboard and rule query returns data from a live gateway scraped by Prometheus', async (t) => {
  const options = {
    // Short heartbeats so the heartbeat histogram fills and a silent client times out quickly.
    pingIntervalMs: 200,
    pingTimeoutMs: 300,
    publishApiKey: KEY,
    namespaces: ['/chat'],
    // Two nodes of one cluster, so that cross-node messages flow both ways.
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: `socketgate-monitoring-${process.pid}`,
    // Bcrypt's minimum cost: the test checks counting, not hashing.
    adminPasswordHash: await bcrypt.hash(ADMIN_PASSWORD, 4),
    authenticate
  }
  const gw = await startGateway(t, options)
  const other = await startGateway(t, options)
  const p = await startPrometheus(t, testConfig([gw, other]))
  const deadline = Date.now() + 25_000
  const up = await p.waitFor('up{job="socketgate"} == 1', (r) => r.length === 2, deadline)
  t.equal(up.length, 2, 'Prometheus scrapes both nodes')

  const ws = await traffic(t, gw)
  // A message sent on the other node reaches the room's members here through Redis.
  const remote = await connectClient(t, other)
  await remote.timeout(2000).emitWithAck('room:join', 'lobby')
  const crossed = nextEvent(ws, 'message:new')
  t.match(await remote.timeout(2000).emitWithAck('message:send', { content: 'from the other node', room: 'lobby' }), { ok: true })
  t.match(await crossed, [{ content: 'from the other node' }])
  // The traffic's last publish request is in Prometheus: everything before it is too.
  const published = await p.waitFor('sum(socketgate_publish_requests_total)', (r) => Number(r[0]?.value[1]) === 3, deadline)
  t.equal(Number(published[0]?.value[1]), 3, 'the publish requests were scraped')

  // The traffic shows up as what it was, through Prometheus.
  const expected: Array<[string, number]> = [
    ['socketgate_publish_requests_total{status_code="200"}', 1],
    ['socketgate_publish_requests_total{status_code="401"}', 1],
    ['socketgate_publish_requests_total{status_code="400"}', 1],
    ['socketgate_socket_connect_errors_total{reason="auth refused"}', 1],
    ['socketgate_socket_disconnects_total{reason="ping timeout"}', 1],
    ['socketgate_engine_handshake_errors_total{reason="session id unknown"}', 1],
    ['socketgate_engine_upgrades_total{transport="websocket"}', 1],
    ['socketgate_connection_recoveries_total{outcome="not_recovered",reason="unknown_session"}', 1],
    ['socketgate_server_ack_timeouts_total{namespace="/chat"}', 1],
    ['socketgate_events_refused_total{reason="SG_INVALID_PAYLOAD"}', 1],
    ['socketgate_cluster_messages_received_total{type="broadcast"}', 1],
    ['socketgate_heartbeat_rtt_seconds_count', 1],
    ['socketgate_server_ack_rtt_seconds_count{namespace="/"}', 1],
    ['socketgate_event_handler_duration_seconds_count{event="message:send"}', 2],
    ['socketgate_publish_handoff_seconds_count', 1],
    ['socketgate_admin_login_failures_total', 1],
    ['socketgate_admin_actions_total{action="disconnect"}', 1]
  ]
  for (const [selector, min] of expected) {
    const r = await p.waitFor(`sum(${selector})`, (r) => Number(r[0]?.value[1]) >= min, deadline)
    t.ok(Number(r[0]?.value[1]) >= min, `${selector} >= ${min}`)
  }

  const queries = [...dashboardQueries(), ...ruleQueries()]
  t.ok(queries.length > 50, `${queries.length} queries`)
  for (const q of queries) {
    const expr = substitute(q.expr)
    if (!('alert' in q)) {
      const result = await p.waitFor(expr, (r) => r.length > 0, deadline)
      t.ok(result.length > 0, `${q.where}: returns data`, { expr })
      continue
    }
    // An alert is quiet in a healthy run: its expression must run, and each series it compares
    // must exist.
    for (const name of metricNames(expr)) {
      const series = await p.waitFor(name, (r) => r.length > 0, deadline)
      t.ok(series.length > 0, `${q.where}: ${name} returns data`)
    }
    await t.resolves(p.query(expr), `${q.where}: runs`)
  }
})
