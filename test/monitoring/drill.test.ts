// The fault drill: a real Prometheus (1 s scrapes and evaluations) with the project's rules, their
// `for:` cut to 2 s and their windows scaled down 20 times (5m → 15s, 1h → 3m) so a drill takes
// minutes, over two gateways of one cluster on a private redis-server: A in this process (to drive
// every kind of traffic and stall clients), B a child process (to kill -9). Known traffic first, and every dashboard
// query must return data; then each fault in turn, asserting through Prometheus's API which
// alerts fire, that look-alikes stay quiet, and that everything resolves when the fault ends.
// scripts/drill.ts runs it with each fault held longer (DRILL_HOLD_S).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { connectClient, nextEvent, startGateway } from '../../src/testing.js'
import { freePort, startNode, startRedis, uniquePrefix, waitFor, type Node } from '../cluster/helpers.js'
import { RULE_FILES, dashboardQueries, startPrometheus, substitute, type Prometheus } from './helpers.js'
import { KEY, traffic, trafficOptions } from './traffic.js'

t.setTimeout(300_000 + Number(process.env.DRILL_HOLD_S ?? 0) * 4000)

/** Seconds each fault is held once its alerts fire (scripts/drill.ts sets it; 0 in the suite). */
const HOLD_S = Number(process.env.DRILL_HOLD_S ?? 0)
/** One minute of the rules is this many seconds in the drill. */
const MINUTE_S = 3

/** The rule files with `for:` at 2 s, and ranges, offsets and predictions scaled to drill time. */
function drillRules (t: Test): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'socketgate-drill-rules-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const seconds = (n: string, unit: string): number => Number(n) * (unit === 'h' ? 60 : 1) * MINUTE_S
  return RULE_FILES().map((file) => {
    const text = readFileSync(file, 'utf8')
      .replace(/^(\s+)for: \S+$/gm, '$1for: 2s')
      .replace(/\[(\d+)([mh])\]/g, (_m, n: string, unit: string) => `[${seconds(n, unit)}s]`)
      .replace(/offset (\d+)([mh])/g, (_m, n: string, unit: string) => `offset ${seconds(n, unit)}s`)
      .replace(/predict_linear\(([^,]+), (\d+)\)/g, (_m, range: string, s: string) => `predict_linear(${range}, ${Number(s) * MINUTE_S / 60})`)
    const out = join(dir, file.slice(file.lastIndexOf('/') + 1))
    writeFileSync(out, text)
    return out
  })
}

interface Alert { labels: Record<string, string>, state: string }

async function alerts (p: Prometheus): Promise<Alert[]> {
  const body = await (await fetch(`${p.url}/api/v1/alerts`)).json() as { data: { alerts: Alert[] } }
  return body.data.alerts
}

const firing = async (p: Prometheus, name: string, instance?: string): Promise<boolean> =>
  (await alerts(p)).some((a) => a.state === 'firing' && a.labels.alertname === name && (instance === undefined || a.labels.instance === instance))

/** Waits until every alert of `names` fires (or, `quiet`, until none of them is pending or firing). */
async function until (t: Test, p: Prometheus, what: string, check: (all: Alert[]) => boolean, timeoutMs = 45_000): Promise<void> {
  const started = Date.now()
  const ok = await waitFor(what, async () => check(await alerts(p)) ? true : undefined, timeoutMs).catch(() => false)
  t.ok(ok, `${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}
const has = (all: Alert[], name: string, instance: string): boolean =>
  all.some((a) => a.state === 'firing' && a.labels.alertname === name && a.labels.instance === instance)
const none = (all: Alert[], names: string[]): boolean => !all.some((a) => names.includes(a.labels.alertname!))
const hold = async (): Promise<void> => { if (HOLD_S > 0) await new Promise((resolve) => setTimeout(resolve, HOLD_S * 1000)) }

t.test('fault drill: kill -9 a node, stop Redis, freeze Redis, slow consumers; the alerts fire and resolve, every panel has data', async (t) => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const cluster = { clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, clusterExpectedNodes: 2 }
  // The smallest outbound cap: a client that stops reading is cut off after 16 KiB.
  const a = await startGateway(t, { ...await trafficOptions(), ...cluster, redisUrl: redis.url, redisKeyPrefix: prefix, nodeId: 'drill-a', outboundBufferMaxBytes: 16_384 })
  const bPort = await freePort()
  const nodeB = (): Promise<Node> => startNode(t, 'drill-b', {
    redisUrl: redis.url, prefix, port: bPort, readyTimeoutMs: 60_000, env: { CLUSTER_EXPECTED_NODES: '2', NAMESPACES: '/chat' }
  })
  let b = await nodeB()
  const A = new URL(a.url).host
  const B = `127.0.0.1:${bPort}`

  const p = await startPrometheus(t, (promPort) => stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: drillRules(t),
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] },
      { job_name: 'socketgate', static_configs: [{ targets: [A, B] }] }
    ]
  }))
  await waitFor('both nodes scraped', async () => (await p.query('up{job="socketgate"} == 1')).length === 2 ? true : undefined, 20_000)
  await waitFor('A to see both nodes', () => a.app.cluster.nodes().length === 2 ? true : undefined)

  // Steady traffic through the drill: a message from each node every 500 ms into the room both
  // nodes' clients are in, and a publish through A (whose answer goes 503 while Redis is out).
  const onA = await connectClient(t, a)
  const onB = await connectClient(t, b, { reconnectionDelay: 100, reconnectionDelayMax: 500 })
  const publish = () => fetch(`${a.url}/api/v1/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ event: 'tick', data: {} })
  }).then((r) => r.status, () => 0)
  // Every kind of traffic on A, and one message across the nodes.
  const ws = await traffic(t, a)
  const statuses: number[] = []
  const timer = setInterval(() => {
    onA.emit('message:send', { content: 'from a' })
    if (onB.connected) onB.emit('message:send', { content: 'from b' })
    void publish().then((s) => statuses.push(s))
  }, 500)
  t.teardown(() => clearInterval(timer))
  const crossed = nextEvent(ws, 'message:new')
  void b.publish({ room: 'lobby', event: 'message:new', data: { content: 'from b' } })
  await crossed

  await t.test('every dashboard query returns data', async (t) => {
    const deadline = Date.now() + 30_000
    await p.waitFor('sum(socketgate_deliveries_total{origin="remote"})', (r) => Number(r[0]?.value[1]) > 0, deadline)
    for (const q of dashboardQueries()) {
      const result = await p.waitFor(substitute(q.expr), (r) => r.length > 0, deadline)
      t.ok(result.length > 0, `${q.where}: returns data`, { expr: q.expr })
    }
  })

  const FAULT_ALERTS = ['SocketgateInstanceDown', 'SocketgateClusterBelowExpectedSize', 'SocketgateRedisDown']
  await until(t, p, 'before any fault, no fault alert is pending or firing', (all) => none(all, FAULT_ALERTS))

  await t.test('kill -9 of node B', async (t) => {
    await b.kill()
    await until(t, p, 'InstanceDown for B and ClusterBelowExpectedSize on A fire', (all) =>
      has(all, 'SocketgateInstanceDown', B) && has(all, 'SocketgateClusterBelowExpectedSize', A))
    t.notOk(await firing(p, 'SocketgateInstanceDown', A), 'A is not reported down')
    t.notOk(await firing(p, 'SocketgateRedisDown'), 'RedisDown stays quiet: Redis is fine')
    await hold()
    b = await nodeB()
    await until(t, p, 'both resolve once B is back', (all) => none(all, ['SocketgateInstanceDown', 'SocketgateClusterBelowExpectedSize']))
  })

  await t.test('Redis stopped', async (t) => {
    await redis.stop()
    await until(t, p, 'RedisDown fires on both nodes, and publish API errors on A', (all) =>
      has(all, 'SocketgateRedisDown', A) && has(all, 'SocketgateRedisDown', B) && has(all, 'SocketgatePublishApiErrors', A))
    t.ok(statuses.includes(503), 'the publish API answered 503 during the outage')
    t.notOk(await firing(p, 'SocketgateInstanceDown'), 'InstanceDown stays quiet: both nodes are up')
    await hold()
    await redis.start()
    await until(t, p, 'both resolve once Redis is back', (all) => none(all, ['SocketgateRedisDown', 'SocketgatePublishApiErrors']))
  })

  // A hung Redis keeps its connections open: only a node that times its commands sees it.
  const timesRedis = (await (await fetch(`${a.url}/metrics`)).text()).includes('socketgate_redis_last_success_age_seconds')
  await t.test('Redis frozen (SIGSTOP)', { skip: timesRedis ? false : 'this build does not time its Redis commands (socketgate_redis_last_success_age_seconds): a frozen Redis reads as up' }, async (t) => {
    redis.freeze()
    try {
      await until(t, p, 'RedisDown fires on both nodes', (all) => has(all, 'SocketgateRedisDown', A) && has(all, 'SocketgateRedisDown', B))
      t.notOk(await firing(p, 'SocketgateInstanceDown'), 'InstanceDown stays quiet')
      await hold()
    } finally {
      redis.thaw()
    }
    await until(t, p, 'RedisDown resolves once Redis thaws', (all) => none(all, ['SocketgateRedisDown']))
  })

  await t.test('slow consumers cut off', async (t) => {
    // Polling clients that stop polling: what the node sends them piles up past the cap.
    for (let i = 0; i < 3; i++) {
      const base = `${a.url}/socket.io/?EIO=4&transport=polling`
      const open = await (await fetch(base)).text()
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
      const connected = new Promise<{ emit: (e: string, d: string) => void, conn: { once: (e: string, fn: () => void) => void } }>((resolve) => {
        a.io.once('connection', (s) => resolve(s as never))
      })
      await fetch(`${base}&sid=${sid}`, { method: 'POST', body: '40' })
      const socket = await connected
      const cut = new Promise<void>((resolve) => socket.conn.once('close', resolve))
      for (let n = 0; n < 8; n++) socket.emit('flood', 'x'.repeat(4096))
      await cut
    }
    await until(t, p, 'SlowClientsDisconnected fires on A', (all) => has(all, 'SocketgateSlowClientsDisconnected', A))
    t.notOk(await firing(p, 'SocketgateSlowClientsDisconnected', B), 'B, whose clients read, stays quiet')
    await hold()
    await until(t, p, 'it resolves once no client is cut off', (all) => none(all, ['SocketgateSlowClientsDisconnected']))
  })
})
