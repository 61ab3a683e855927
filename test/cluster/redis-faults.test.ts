// Honest acks through Redis faults, two nodes in one process on a redis-server of the test's own
// (never the shared one): stopped (connections refused) and frozen (SIGSTOP: no error, no close).
// message:send acks ok only for a message the cluster took; otherwise SG_UNAVAILABLE, retryable.
// Local delivery never waits on Redis beyond REDIS_TIMEOUT_MS; readiness follows its setting.
import t, { type Test } from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import type { GatewayClient } from '../../src/client.js'
import type { ChatMessage, GatewayOptions } from '../../src/index.js'
import { API_KEY, metricValue, startRedis, uniquePrefix, waitFor, type Redis } from './helpers.js'

const TIMEOUT_MS = 800

type Ack = { ok: boolean, id?: string, error?: { code: string, message: string, retryable?: boolean } }

/** Node A stays ready through a Redis fault (the default); node B asks for READINESS_REQUIRES_REDIS. */
async function twoNodes (t: Test, redis: Redis, extra: GatewayOptions = {}): Promise<[TestGateway, TestGateway]> {
  const options: GatewayOptions = {
    ...extra,
    redisUrl: redis.url, redisKeyPrefix: uniquePrefix(), redisTimeoutMs: TIMEOUT_MS, clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminUi: false, publishApiKey: API_KEY
  }
  const a = await startGateway(t, { ...options, nodeId: 'faults-a' })
  const b = await startGateway(t, { ...options, nodeId: 'faults-b', readinessRequiresRedis: true })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  return [a, b]
}

/** Every message:new a client gets, by content. */
function inbox (client: GatewayClient): Map<string, ChatMessage> {
  const got = new Map<string, ChatMessage>()
  client.on('message:new', (msg: ChatMessage) => { got.set(msg.content, msg) })
  return got
}

const send = (client: GatewayClient, content: string): Promise<Ack> =>
  client.timeout(5 * TIMEOUT_MS).emitWithAck('message:send', { content }) as Promise<Ack>

async function scrape (gw: TestGateway): Promise<string> {
  return (await gw.app.inject({ url: '/metrics' })).body
}

async function readiness (gw: TestGateway): Promise<{ code: number, status: string, redis: { ok: boolean, status: string } }> {
  const res = await gw.app.inject({ url: '/readyz' })
  const body = res.json()
  return { code: res.statusCode, status: body.status, redis: body.checks.redis }
}

/** Sends until a message crosses from `from` to `to` (the stream reader reconnects on its own schedule). */
async function crossesAgain (from: GatewayClient, to: Map<string, ChatMessage>, label: string): Promise<Ack> {
  let n = 0
  return await waitFor(`a message to cross after ${label}`, async () => {
    const content = `after ${label} ${n++}`
    const ack = await send(from, content)
    if (!ack.ok) return undefined
    return await waitFor('it to arrive', () => to.has(content) ? ack : undefined, 2000).catch(() => undefined)
  }, 15_000)
}

t.test('Redis stopped for 10 s: acks say SG_UNAVAILABLE and nothing is sent, never ok for a message node B did not get; ok again after', async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await twoNodes(t, redis)
  const a1 = await connectClient(t, a)
  const a2 = await connectClient(t, a)
  const b1 = await connectClient(t, b)
  const onA2 = inbox(a2)
  const onB1 = inbox(b1)
  const acks = new Map<string, Ack>()
  const sendAndKeep = async (content: string): Promise<Ack> => {
    const ack = await send(a1, content)
    acks.set(content, ack)
    return ack
  }

  const fresh = await scrape(a)
  t.equal(metricValue(fresh, 'socketgate_redis_reconnects_total'), 0, 'the reconnects counter exists at 0')
  t.equal(metricValue(fresh, 'socketgate_redis_up'), 1)
  t.ok(metricValue(fresh, 'socketgate_redis_last_success_age_seconds')! < 2, 'Redis answered within the last probe interval or so')
  t.equal(metricValue(fresh, 'socketgate_events_refused_total', 'namespace="/",reason="SG_UNAVAILABLE"') ?? 0, 0)
  // A node's stream reader starts at "$" a moment after the node: wait until a message crosses.
  t.equal((await crossesAgain(a1, onB1, 'start')).ok, true)
  t.ok(metricValue(await scrape(a), 'socketgate_redis_command_duration_seconds_count')! >= 1, 'its XADD (and the probes) were timed')

  await redis.stop()
  const stoppedAt = Date.now()
  await waitFor('node A to see Redis down', () => a.app.cluster.connected() ? undefined : true)

  let refused = 0
  // Held 10 s, sending all along: every ack must be SG_UNAVAILABLE.
  while (Date.now() - stoppedAt < 10_000) {
    const content = `during ${refused}`
    const ack = await sendAndKeep(content)
    t.match(ack, { ok: false, error: { code: 'SG_UNAVAILABLE', retryable: true, message: /nothing was sent, retry shortly/ } }, `${content} is refused`)
    refused++
    const server = nextEvent<[string]>(a2, 'news', 1000)
    ;(a.io as unknown as { emit: (e: string, d: unknown) => void }).emit('news', refused)
    t.same((await server)[0], refused, 'a server-side broadcast still reaches the local clients at once')
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  t.ok(refused > 10, `${refused} messages refused during the outage`)

  const ra = await readiness(a)
  t.match(ra, { code: 200, status: 'degraded', redis: { ok: false, status: /redis unreachable/ } }, 'node A stays ready, degraded (the default)')
  const rb = await readiness(b)
  t.match(rb, { code: 503, status: 'degraded', redis: { ok: false } }, 'node B, READINESS_REQUIRES_REDIS=true, is not ready')
  const page = await scrape(a)
  t.equal(metricValue(page, 'socketgate_redis_up'), 0)
  t.equal(metricValue(page, 'socketgate_events_refused_total', 'namespace="/",reason="SG_UNAVAILABLE"'), refused)
  t.ok(metricValue(page, 'socketgate_redis_last_success_age_seconds')! >= 9, 'Redis last answered about 10 s ago')

  await redis.start()
  await waitFor('node A to see Redis again', () => a.app.cluster.connected() ? true : undefined, 15_000)
  const after = await crossesAgain(a1, onB1, 'the outage')
  t.equal(after.ok, true)
  t.match(await readiness(b), { code: 200, status: 'ready' }, 'node B is ready again')
  t.ok(metricValue(await scrape(a), 'socketgate_redis_reconnects_total')! >= 1, 'the reconnection is counted')

  // The honesty check: no refused message reached anyone, every ok one reached node B.
  for (const [content, ack] of acks) {
    if (ack.ok) t.equal(onB1.get(content)?.id, ack.id, `"${content}" acked ok and node B got it`)
    else t.notOk(onB1.has(content) || onA2.has(content), `"${content}" refused and delivered nowhere`)
  }
})

t.test('Redis frozen for 10 s: detected within REDIS_TIMEOUT_MS, local delivery waits no longer, acks never ok; all heals after', async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await twoNodes(t, redis, { connectionRecovery: true })
  const a1 = await connectClient(t, a)
  const a2 = await connectClient(t, a)
  const b1 = await connectClient(t, b)
  const roaming = await connectClient(t, a, { reconnection: true, reconnectionDelay: 50 })
  const onA2 = inbox(a2)
  const onB1 = inbox(b1)
  t.equal((await crossesAgain(a1, onB1, 'start')).ok, true)
  await waitFor('the local copy too', () => onA2.size > 0 ? true : undefined)
  const healthy = await scrape(a)
  const length = metricValue(healthy, 'socketgate_redis_stream_length')!
  t.ok(length >= 1, `the stream holds the broadcasts so far (${length})`)
  t.ok(metricValue(healthy, 'socketgate_redis_stream_oldest_age_seconds')! < 30, 'its oldest entry is from this test')

  redis.freeze()
  const frozenAt = Date.now()
  // Sent before the node can know: its XADD waits on a Redis that will not answer.
  const local = nextEvent<[ChatMessage]>(a2, 'message:new', 3 * TIMEOUT_MS)
  const published = a.app.inject({
    method: 'POST', url: '/api/v1/publish', headers: { authorization: `Bearer ${API_KEY}` }, payload: { event: 'news', data: 'as it froze' }
  })
  const first = await send(a1, 'as it froze')
  const api = await published
  t.equal(api.statusCode, 503, 'the publish API in flight when Redis froze answers 503, not 200')
  t.match(api.json(), { ok: false, error: { code: 'SG_UNAVAILABLE', message: /did not take the event/ } })
  t.equal(api.headers['retry-after'], '1')
  t.match(first, { ok: false, error: { code: 'SG_UNAVAILABLE', retryable: true, message: /this node's clients got it/ } }, 'the ack is not ok')
  t.match((await local)[0], { content: 'as it froze' }, 'the local client got it once the deadline passed, not when Redis came back')
  t.comment(`local delivery of the message in flight when Redis froze: ${Date.now() - frozenAt} ms after the freeze (REDIS_TIMEOUT_MS=${TIMEOUT_MS})`)

  await waitFor('node A to see Redis hung', () => a.app.cluster.connected() ? undefined : true, 3 * TIMEOUT_MS)
  const ra = await readiness(a)
  t.match(ra, { code: 200, status: 'degraded', redis: { ok: false, status: /redis not answering/ } }, 'node A stays ready, degraded')
  // Node B sends nothing: its health PING finds out.
  const rb = await waitFor('node B to see Redis hung', async () => { const r = await readiness(b); return r.code === 503 ? r : undefined }, 3 * TIMEOUT_MS)
  t.match(rb, { status: 'degraded', redis: { ok: false, status: /redis not answering/ } }, 'node B (READINESS_REQUIRES_REDIS) is not ready')
  const page = await scrape(a)
  t.equal(metricValue(page, 'socketgate_redis_up'), 0, 'redis_up is 0 on a hung Redis')
  t.equal(metricValue(page, 'socketgate_redis_stream_length'), length, 'the stream gauges give their last read: the scrape does not hang')

  // Socket.IO awaits the adapter's restoreSession in the handshake: it must not hang on Redis.
  const back = nextEvent(roaming, 'connect', 3 * TIMEOUT_MS)
  roaming.io.engine.close()
  await back
  t.equal(roaming.recovered, false, 'a client asking for recovery gets in at once, as a new session')

  let refused = 0
  while (Date.now() - frozenAt < 10_000) {
    const ack = await send(a1, `frozen ${refused}`)
    t.match(ack, { ok: false, error: { code: 'SG_UNAVAILABLE', message: /nothing was sent/ } })
    refused++
    const server = nextEvent<[number]>(a2, 'news', TIMEOUT_MS)
    ;(a.io as unknown as { emit: (e: string, d: unknown) => void }).emit('news', refused)
    t.same((await server)[0], refused, 'a server-side broadcast reaches the local clients without waiting on Redis')
    await new Promise((resolve) => setTimeout(resolve, 300))
  }

  redis.thaw()
  await waitFor('node A to see Redis answer again', () => a.app.cluster.connected() ? true : undefined, 10_000)
  t.equal((await crossesAgain(a1, onB1, 'the freeze')).ok, true)
  t.match(await readiness(b), { code: 200, status: 'ready' })
  t.equal(metricValue(await scrape(a), 'socketgate_redis_up'), 1)
  for (let i = 0; i < refused; i++) t.notOk(onB1.has(`frozen ${i}`), `"frozen ${i}" was refused and never reached node B`)
})
