// Three gateway processes on one Redis behave as one gateway: room messages cross nodes, the
// publish API of any node reaches every node, and the rooms listing covers the cluster.
import t from 'tap'
import { connectClient, nextEvent } from '../../src/testing.js'
import type { ChatMessage } from '../../src/index.js'
import { metricsOf, metricValue, SHARED_REDIS, startCluster, uniquePrefix, waitFor } from './helpers.js'

t.test('three nodes on one Redis act as one gateway', async (t) => {
  const [a, b, c] = await startCluster(t, ['node-a', 'node-b', 'node-c'], { redisUrl: SHARED_REDIS, prefix: uniquePrefix() })
  const onA = await connectClient(t, a!)
  const onC = await connectClient(t, c!)
  for (const client of [onA, onC]) t.same(await client.timeout(2000).emitWithAck('room:join', 'ops'), { ok: true })

  await t.test('a message sent on node A reaches the room member on node C, and back', async (t) => {
    // Senders are room members too: each message reaches both clients.
    const first = [nextEvent<[ChatMessage]>(onA, 'message:new'), nextEvent<[ChatMessage]>(onC, 'message:new')]
    const ack = await onA.timeout(2000).emitWithAck('message:send', { room: 'ops', content: 'from A' })
    t.equal(ack.ok, true)
    for (const [msg] of await Promise.all(first)) t.match(msg, { room: 'ops', content: 'from A', id: ack.ok ? ack.id : 'x' })
    const second = [nextEvent<[ChatMessage]>(onA, 'message:new'), nextEvent<[ChatMessage]>(onC, 'message:new')]
    await onC.timeout(2000).emitWithAck('message:send', { room: 'ops', content: 'from C' })
    for (const [msg] of await Promise.all(second)) t.match(msg, { room: 'ops', content: 'from C' })
  })

  await t.test('the publish API of node B, which holds no socket, reaches the room on A and C', async (t) => {
    const got = [nextEvent(onA, 'alert'), nextEvent(onC, 'alert')]
    const res = await b!.publish({ room: 'ops', event: 'alert', data: { level: 'high' } })
    t.equal(res.status, 200)
    t.same(res.body, { ok: true, recipients: 0, scope: 'local', nodes: 3 }, 'recipients counts node B\'s own sockets, and says so')
    for (const args of await Promise.all(got)) t.same(args.slice(0, 1), [{ level: 'high' }])
  })

  await t.test('the rooms listing of any node counts the sockets of every node', async (t) => {
    for (const node of [a!, b!, c!]) {
      const { status, body } = await node.get('/api/v1/rooms?namespace=/')
      t.equal(status, 200)
      t.same(body, {
        scope: 'cluster',
        nodes: 3,
        namespaces: [{ namespace: '/', sockets: 2, rooms: [{ room: 'chat-general', sockets: 2 }, { room: 'ops', sockets: 2 }], totalRooms: 2 }]
      }, `as listed by ${node.name}`)
    }
  })

  await t.test('a room left on node C no longer counts on node A', async (t) => {
    t.same(await onC.timeout(2000).emitWithAck('room:leave', 'ops'), { ok: true })
    const { body } = await a!.get('/api/v1/rooms?namespace=/')
    t.same(body.namespaces[0].rooms, [{ room: 'chat-general', sockets: 2 }, { room: 'ops', sockets: 1 }])
  })

  await t.test('each node counts the messages it publishes to and receives from the others, and the cluster size it sees', async (t) => {
    const broadcasts = async (node: typeof a, way: 'published' | 'received') =>
      metricValue(await metricsOf(node!), `socketgate_cluster_messages_${way}_total`, 'type="broadcast"') ?? 0
    const before = { a: await broadcasts(a, 'published'), b: await broadcasts(b, 'received'), c: await broadcasts(c, 'received') }
    const arrived = nextEvent(onC, 'message:new')
    await onA.timeout(2000).emitWithAck('message:send', { content: 'counted' })
    await arrived
    t.equal(await broadcasts(a, 'published'), before.a + 1, 'node A published one broadcast')
    t.equal(await broadcasts(c, 'received'), before.c + 1, 'node C received it')
    // Node B has no recipient to show the message arrived: wait for its counter.
    await waitFor('node B to count the broadcast', async () => (await broadcasts(b, 'received')) === before.b + 1 ? true : undefined)
    for (const node of [a!, b!, c!]) {
      const page = await metricsOf(node)
      t.equal(metricValue(page, 'socketgate_cluster_nodes'), 3, `${node.name} sees 3 nodes`)
      t.equal(metricValue(page, 'socketgate_redis_up'), 1)
    }
  })

  for (const node of [a!, b!, c!]) t.equal(node.exit(), undefined, `${node.name} is still running`)
})
