// `socketgate loadtest` (chat, the default scenario) against real gateways: what it reports must
// be what happened, so its --json counts are checked against the gateway's own metrics, one node
// over both transports and three behind HAProxy (counts only: its timings are measurements,
// never asserted). A run that loses anything exits 1 and says what.
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { mintToken } from '../../src/cli/token.js'
import type { LoadtestReport } from '../../src/loadtest/run.js'
import { startGateway } from '../../src/testing.js'
import { built, runCli, type Run } from '../cli/helpers.js'
import { metricsOf, metricValue, SHARED_REDIS, startCluster, startHaproxy, uniquePrefix } from '../cluster/helpers.js'
import { scrape, value } from '../metrics/helpers.js'

// Real processes, browsers and load runs on a loaded machine: more than tap's 60 s per file.
t.setTimeout(180_000)

built()

interface ChatResult { rooms: number, sent: number, acked: number, expectedDeliveries: number, delivered: number }
const report = (run: Run): LoadtestReport<ChatResult> => JSON.parse(run.stdout) as LoadtestReport<ChatResult>
const loadtest = (args: string[], env: Record<string, string> = {}): Promise<Run> => runCli(['loadtest', ...args, '--json', '--quiet'], { env, timeoutMs: 90_000 })

for (const transport of ['websocket', 'polling']) {
  t.test(`over ${transport}, --json counts are the gateway's: messages sent and acked, deliveries to every room member`, async (t) => {
    const gw = await startGateway(t, { transports: ['polling', 'websocket'] })
    const html = join(tmpdir(), `socketgate-loadtest-${process.pid}-${transport}.html`)
    // 7 clients in rooms of 3: rooms of 3, 3 and 1, so deliveries per message differ by room.
    const run = await loadtest([gw.url, '--clients', '7', '--room-size', '3', '--rate', '5', '--duration', '1', '--transport', transport,
      '--metrics-url', `${gw.url}/metrics`, '--report', html])
    t.equal(run.code, 0, run.stderr)
    const r = report(run)
    t.match(r, { scenario: 'chat', transport, connected: 7, ok: true, problems: [], errors: {} })
    const c = r.result
    t.equal(c.rooms, 3)
    t.ok(c.sent > 0, 'it sent messages')
    t.equal(c.acked, c.sent, 'every message acked')
    t.equal(c.delivered, c.expectedDeliveries, 'every room member got every message of its room')
    t.ok(c.expectedDeliveries > c.sent && c.expectedDeliveries < 3 * c.sent, 'deliveries follow room sizes (3 and 1)')
    t.same(r.counts, { sent: c.sent, acked: c.acked, delivered: c.delivered })
    t.equal(r.latency.delivery!.count, c.delivered, 'one delivery latency per delivery (HDR histogram)')
    t.equal(r.latency.ack!.count, c.acked)
    t.equal(r.latency.connect!.count, 7)

    const s = await scrape(gw)
    t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'message:send' }), c.sent)
    t.equal(value(s, 'socketgate_broadcast_recipients_total', { namespace: '/' }), c.delivered)
    t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'room:join' }), 7)
    t.equal(value(s, 'socketgate_socket_connects_total', { namespace: '/' }), 7)
    // What it read from the same counters around the run: the same figures.
    t.match(r.gateway, { nodes: 1, eventsReceived: { 'message:send': c.sent, 'room:join': 7 }, deliveries: c.delivered, connects: 7 })
    t.ok(r.gateway!.cpuCores > 0, 'the gateway used some CPU')

    const page = await readFile(html, 'utf8')
    const embedded = JSON.parse(/<script type="application\/json" id="report">(.*?)<\/script>/s.exec(page)![1]!) as LoadtestReport<ChatResult>
    t.same(embedded.result, c, 'the HTML report carries the same figures')
  })
}

t.test('through the sticky load balancer to three nodes, on long-polling: every room member gets every message, whichever node it is on', async (t) => {
  const nodes = await startCluster(t, ['node-a', 'node-b', 'node-c'], { redisUrl: SHARED_REDIS, prefix: uniquePrefix() })
  const lb = await startHaproxy(t, nodes)
  // 9 clients, balanced round-robin, in rooms of 3: each room spans the nodes.
  const run = await loadtest([lb.url, '--clients', '9', '--room-size', '3', '--rate', '4', '--duration', '1', '--transport', 'polling',
    '--metrics-url', nodes.map((n) => `${n.url}/metrics`).join(',')])
  t.equal(run.code, 0, run.stderr)
  const r = report(run)
  t.equal(r.connected, 9)
  t.equal(r.result.acked, r.result.sent)
  t.equal(r.result.delivered, r.result.expectedDeliveries)
  t.equal(r.result.expectedDeliveries, 3 * r.result.sent)
  t.same(r.errors, {})
  const received = await Promise.all(nodes.map(async (n) => metricValue(await metricsOf(n), 'socketgate_events_received_total', 'namespace="/",event="message:send"') ?? 0))
  t.equal(received.reduce((a, b) => a + b, 0), r.result.sent, 'the nodes received what it sent')
  t.equal(received.filter((n) => n > 0).length, 3, 'from clients on all three nodes')
  t.equal(r.gateway?.nodes, 3)
  t.equal(r.gateway?.eventsReceived['message:send'], r.result.sent, 'its sum over the nodes\' counters agrees')
})

t.test('with AUTH_MODE=jwt it connects with --token, and reports the refusal without one (exit 1)', async (t) => {
  const secret = 's'.repeat(32)
  const gw = await startGateway(t, { authMode: 'jwt', jwtSecret: secret })
  const { token } = await mintToken({ sub: 'loader', ttl: 3600, secret })
  const ok = await loadtest([gw.url, '--clients', '2', '--room-size', '2', '--rate', '5', '--duration', '0.5'], { TOKEN: token })
  t.equal(ok.code, 0, ok.stderr)
  t.equal(report(ok).result.delivered, report(ok).result.expectedDeliveries)

  // A token limited to team-* rooms: the load's rooms must be named for it.
  const team = (await mintToken({ sub: 'loader', rooms: ['team-*'], ttl: 3600, secret })).token
  const named = await loadtest([gw.url, '--clients', '2', '--room-size', '2', '--rate', '5', '--duration', '0.5', '--room-prefix', 'team-load'], { TOKEN: team })
  t.equal(named.code, 0, named.stderr)
  const forbidden = await loadtest([gw.url, '--clients', '2', '--duration', '0.5'], { TOKEN: team })
  t.equal(forbidden.code, 1)
  t.match(report(forbidden).problems, ['room:join SG_ROOM_FORBIDDEN × 2 (the token\'s rooms claim must allow load-*: see --room-prefix)'])

  const refused = await loadtest([gw.url, '--clients', '2', '--duration', '0.5'])
  t.equal(refused.code, 1)
  t.match(report(refused), { ok: false, connected: 0, errors: { 'connect SG_AUTH_REQUIRED': 2 }, problems: ['connect SG_AUTH_REQUIRED × 2', 'no client connected'] })
})

t.test('a run that loses something exits 1, with what it lost in its report', async (t) => {
  const gw = await startGateway(t)
  // One of the three clients is cut off by its first message (after the gateway has answered it).
  gw.io.on('connection', (socket) => {
    if (socket.handshake.auth.name === 'load-2') socket.on('message:send', () => { socket.disconnect(true) })
  })
  const run = await loadtest([gw.url, '--clients', '3', '--room-size', '1', '--rate', '5', '--duration', '1.5'])
  t.equal(run.code, 1, 'the run failed')
  t.match(report(run), { ok: false, errors: { 'disconnect io server disconnect': 1 } })
})
