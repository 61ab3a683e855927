// Redis going away and coming back: nodes keep serving their own clients, say they are degraded
// (readiness stays 200 with status degraded, socketgate_redis_up 0), refuse cluster-wide
// publishes and messages honestly, and heal by themselves. test/cluster/redis-faults.test.ts
// covers the acks, a frozen Redis and READINESS_REQUIRES_REDIS in detail.
// The test stops a redis-server of its own, never the shared one on 6379.
import t from 'tap'
import { connectClient, nextEvent } from '../../src/testing.js'
import type { ChatMessage } from '../../src/index.js'
import { metricsOf, metricValue, startCluster, startNode, startRedis, uniquePrefix, waitFor, type Node } from './helpers.js'

const readiness = async (node: Node) => (await node.get('/readyz'))

t.test('a Redis outage degrades the nodes without stopping them, and they heal when it returns', async (t) => {
  const redis = await startRedis(t)
  // Recovery on: sockets that drop during the outage make the node save sessions to a Redis that is not there.
  const [a, b] = await startCluster(t, ['node-a', 'node-b'], { redisUrl: redis.url, prefix: uniquePrefix(), env: { CONNECTION_RECOVERY: 'true' } })
  const a1 = await connectClient(t, a!)
  const a2 = await connectClient(t, a!)
  const b1 = await connectClient(t, b!)
  const dropped = await connectClient(t, a!)
  for (const node of [a!, b!]) t.equal(metricValue(await metricsOf(node), 'socketgate_redis_up'), 1, `${node.name}: redis_up is 1 before the outage`)

  await redis.stop()

  for (const node of [a!, b!]) {
    const res = await waitFor(`${node.name} to report degraded`, async () => {
      const r = await readiness(node)
      return r.body.status === 'degraded' ? r : undefined
    })
    t.equal(res.status, 200, `${node.name}: still ready, it serves its own clients`)
    t.match(res.body.checks.redis, { ok: false, status: /redis unreachable/ })
    t.equal(metricValue(await metricsOf(node), 'socketgate_redis_up'), 0, `${node.name}: redis_up is 0`)
  }

  const gone = nextEvent<[string]>(dropped, 'disconnect')
  // Closing the transport (not a namespace disconnect) is a loss the node sees as "transport
  // close", recoverable: it saves the session to a Redis that is not there.
  dropped.io.engine.close()
  t.equal((await gone)[0], 'forced close')

  const local = nextEvent<[ChatMessage]>(a2, 'message:new', 500)
  const ack = await a1.timeout(2000).emitWithAck('message:send', { content: 'during the outage' })
  t.match(ack, { ok: false, error: { code: 'SG_UNAVAILABLE', retryable: true } }, 'a message the cluster cannot take is refused, not acked ok')
  await t.rejects(local, 'and sent to no one, so a retry cannot make a duplicate')

  const refused = await a!.publish({ event: 'news', data: 1 })
  t.equal(refused.status, 503, 'the publish API refuses rather than reach one node only')
  t.match(refused.body, { ok: false, error: { code: 'SG_UNAVAILABLE', message: /cannot reach the cluster's Redis/ } })

  const rooms = await a!.get('/api/v1/rooms')
  t.equal(rooms.status, 503, 'the rooms listing cannot count the other nodes either')
  t.equal(rooms.body.error.code, 'SG_UNAVAILABLE')

  await redis.start()

  for (const node of [a!, b!]) {
    await waitFor(`${node.name} to be ready again`, async () => (await readiness(node)).body.status === 'ready' ? true : undefined, 15_000)
    t.equal(metricValue(await metricsOf(node), 'socketgate_redis_up'), 1, `${node.name}: redis_up is back to 1`)
  }
  // The stream reader and subscriber reconnect on their own schedule: retry until a message crosses.
  const crossed = await waitFor('a message to cross from node A to node B again', async () => {
    const got = nextEvent<[ChatMessage]>(b1, 'message:new', 500).catch(() => undefined)
    const sent = await a1.timeout(2000).emitWithAck('message:send', { content: 'after the outage' })
    return sent.ok ? (await got)?.[0] : undefined
  }, 15_000)
  t.match(crossed, { content: 'after the outage' })
  for (const node of [a!, b!]) t.equal(node.exit(), undefined, `${node.name} never exited`)
})

t.test('a node started while Redis is down starts degraded and joins the cluster when Redis answers', async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  const node = await startNode(t, 'late', { redisUrl: redis.url, prefix: uniquePrefix() })
  const client = await connectClient(t, node)
  t.ok(client.connected, 'it serves clients meanwhile')
  const res = await readiness(node)
  t.equal(res.status, 200, 'ready: it serves its own clients (READINESS_REQUIRES_REDIS=false)')
  t.match(res.body, { status: 'degraded', checks: { redis: { ok: false } } })
  await redis.start()
  const ready = await waitFor('the node to be ready', async () => {
    const r = await readiness(node)
    return r.body.status === 'ready' ? r : undefined
  }, 15_000)
  t.match(ready.body.checks.redis, { ok: true, status: /1 node\(s\)/ })
  t.equal(node.exit(), undefined)
})
