// bench/chat-load.ts, the load generator for a running gateway: what it reports must be what
// happened, so its counts are checked against the gateway's own metrics (counts only; its
// timings are measurements, never asserted). And a bad argument stops it with a clear message.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import t from 'tap'
import { startGateway } from '../src/testing.js'
import { metricsOf, metricValue, SHARED_REDIS, startCluster, startHaproxy, uniquePrefix } from './cluster/helpers.js'
import { scrape, value } from './metrics/helpers.js'

const SCRIPT = fileURLToPath(new URL('../bench/chat-load.ts', import.meta.url))

interface Run { code: number, stdout: string, stderr: string }
function load (args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

interface Report {
  connected: number
  rooms: number
  sent: number
  acked: number
  expectedDeliveries: number
  delivered: number
  connectErrors: Record<string, number>
  ackErrors: Record<string, number>
  disconnects: Record<string, number>
  gateway?: { nodes: number, cpuCores: number, received: number, localDeliveries: number }
}
const report = (run: Run): Report => JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Report

for (const transport of ['websocket', 'polling']) {
  t.test(`over ${transport}, its counts are the gateway's: messages sent and acked, deliveries to every room member`, async (t) => {
    const gw = await startGateway(t, { transports: ['polling', 'websocket'] })
    // 7 clients in rooms of 3: rooms of 3, 3 and 1, so deliveries per message differ by room.
    const run = await load([gw.url, '7', '3', '5', '1'], { TRANSPORT: transport, METRICS_URL: `${gw.url}/metrics` })
    t.equal(run.code, 0, run.stderr)
    const r = report(run)
    t.equal(r.connected, 7)
    t.equal(r.rooms, 3)
    t.ok(r.sent > 0, 'it sent messages')
    t.equal(r.acked, r.sent, 'every message acked')
    t.equal(r.delivered, r.expectedDeliveries, 'every room member got every message of its room')
    t.ok(r.expectedDeliveries > r.sent && r.expectedDeliveries < 3 * r.sent, 'deliveries follow room sizes (3 and 1)')
    t.same([r.connectErrors, r.ackErrors, r.disconnects], [{}, {}, {}])

    const s = await scrape(gw)
    t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'message:send' }), r.sent)
    t.equal(value(s, 'socketgate_broadcast_recipients_total', { namespace: '/' }), r.delivered)
    t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'room:join' }), 7)
    // What it read from the same counters over its sending window: the same figures.
    t.match(r.gateway, { nodes: 1, received: r.sent, localDeliveries: r.delivered })
    t.ok(r.gateway!.cpuCores > 0, 'the gateway used some CPU')
  })
}

t.test('through the sticky load balancer to three nodes, on long-polling: every room member gets every message, whichever node it is on', async (t) => {
  const nodes = await startCluster(t, ['node-a', 'node-b', 'node-c'], { redisUrl: SHARED_REDIS, prefix: uniquePrefix() })
  const lb = await startHaproxy(t, nodes)
  // 9 clients, balanced round-robin, in rooms of 3: each room spans the nodes.
  const run = await load([lb.url, '9', '3', '4', '1'], { TRANSPORT: 'polling', METRICS_URL: nodes.map((n) => `${n.url}/metrics`).join(',') })
  t.equal(run.code, 0, run.stderr)
  const r = report(run)
  t.equal(r.connected, 9)
  t.equal(r.acked, r.sent)
  t.equal(r.delivered, r.expectedDeliveries)
  t.equal(r.expectedDeliveries, 3 * r.sent)
  t.same(r.disconnects, {})
  const received = await Promise.all(nodes.map(async (n) => metricValue(await metricsOf(n), 'socketgate_events_received_total', 'namespace="/",event="message:send"') ?? 0))
  t.equal(received.reduce((a, b) => a + b, 0), r.sent, 'the nodes received what it sent')
  t.equal(received.filter((n) => n > 0).length, 3, 'from clients on all three nodes')
  t.equal(r.gateway?.nodes, 3)
  t.equal(r.gateway?.received, r.sent, 'its sum over the nodes\' counters agrees')
})

t.test('with AUTH_MODE=jwt it connects with TOKEN, and reports the refusal without one', async (t) => {
  const secret = 's'.repeat(32)
  const gw = await startGateway(t, { authMode: 'jwt', jwtSecret: secret })
  const token = await new SignJWT({ sub: 'loader' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret))
  const ok = await load([gw.url, '2', '2', '5', '0.5'], { TOKEN: token })
  t.equal(ok.code, 0, ok.stderr)
  t.equal(report(ok).delivered, report(ok).expectedDeliveries)

  const refused = await load([gw.url, '2', '2', '5', '0.5'])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /no client connected \(SG_AUTH_REQUIRED × 2\)/)
})

t.test('a run that loses something exits 1, with what it lost in its report', async (t) => {
  const gw = await startGateway(t)
  // One of the three clients is cut off by its first message (after the gateway has answered it).
  gw.io.on('connection', (socket) => {
    if (socket.handshake.auth.name === 'load-2') socket.on('message:send', () => { socket.disconnect(true) })
  })
  const run = await load([gw.url, '3', '1', '5', '1.5'])
  t.equal(run.code, 1, 'the run failed')
  t.same(report(run).disconnects, { 'io server disconnect': 1 })
})

t.test('a bad argument stops it naming the argument and what was expected', async (t) => {
  for (const [args, env, message] of [
    [[], {}, /no gateway URL given/],
    [['localhost:3000'], {}, /localhost: URL; expected http: or https:/],
    [['http://127.0.0.1:1', '0'], {}, /clients is "0"; expected a positive integer/],
    [['http://127.0.0.1:1', '10', '2.5'], {}, /roomSize is "2.5"; expected a positive integer/],
    [['http://127.0.0.1:1', '10', '2', 'fast'], {}, /rate is "fast"; expected a positive number/],
    [['http://127.0.0.1:1'], { TRANSPORT: 'udp' }, /TRANSPORT is "udp"; expected websocket or polling/],
    [['http://127.0.0.1:1'], { METRICS_URL: 'metrics' }, /METRICS_URL has "metrics"; expected URLs like/]
  ] as const) {
    const run = await load([...args], env)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr, message)
    t.match(run.stderr, /usage: /)
  }
})
