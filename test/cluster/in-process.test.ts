// Two clustered gateways in one process (no module-level state, so they can): the Socket.IO
// server API reaches every node, and the evidence behind the adapter choice (docs/scale-out.md).
import { once } from 'node:events'
import { createAdapter as classicRedisAdapter } from '@socket.io/redis-adapter'
import { createClient } from '@redis/client'
import t, { type Test } from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import type { GatewayOptions } from '../../src/index.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from './helpers.js'

async function twoNodes (t: Test, extra: GatewayOptions = {}): Promise<[TestGateway, TestGateway]> {
  const options: GatewayOptions = {
    redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminUi: false, ...extra
  }
  const a = await startGateway(t, { ...options, nodeId: 'in-process-a' })
  const b = await startGateway(t, { ...options, nodeId: 'in-process-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  return [a, b]
}

t.test('fetchSockets on one node returns the sockets of every node, with their rooms and data', async (t) => {
  const [a, b] = await twoNodes(t)
  await connectClient(t, a, { auth: { name: 'ann' } })
  await connectClient(t, b, { auth: { name: 'bob' } })
  const sockets = await a.io.fetchSockets()
  t.same(sockets.map((s) => s.data.user.id).sort(), ['ann', 'bob'])
  for (const s of sockets) t.ok(s.rooms.has('chat-general'))
})

t.test('disconnecting a room from one node disconnects its members on every node', async (t) => {
  const [a, b] = await twoNodes(t)
  const onA = await connectClient(t, a)
  const onB = await connectClient(t, b)
  const gone = [nextEvent<[string]>(onA, 'disconnect'), nextEvent<[string]>(onB, 'disconnect')]
  a.io.in('chat-general').disconnectSockets()
  for (const [reason] of await Promise.all(gone)) t.equal(reason, 'io server disconnect')
})

t.test('socketsJoin from one node puts the sockets of every node in the room', async (t) => {
  const [a, b] = await twoNodes(t)
  const onA = await connectClient(t, a)
  const onB = await connectClient(t, b)
  a.io.socketsJoin('announcements')
  // The join travels through the stream, the fetch through pub/sub: B applies it a moment later.
  const ids = await waitFor('node B to apply the join', async () => {
    const sockets = await b.io.in('announcements').fetchSockets()
    return sockets.length === 2 ? sockets.map((s) => s.id).sort() : undefined
  })
  t.same(ids, [onA.id, onB.id].sort())
})

t.test('serverSideEmit from one node reaches the other node, not itself', async (t) => {
  const [a, b] = await twoNodes(t)
  let echoed = false
  ;(a.io as any).on('cache:flush', () => { echoed = true })
  const heard = once(b.io as any, 'cache:flush')
  ;(a.io as any).serverSideEmit('cache:flush', { key: 'users' })
  t.same(await heard, [{ key: 'users' }])
  t.equal(echoed, false)
})

/** An event outside the chat protocol's typed map. */
const broadcast = (gw: TestGateway, event: string, data: unknown): boolean =>
  (gw.io as unknown as { emit: (e: string, d: unknown) => boolean }).emit(event, data)

/** Drops the client's transport (a recoverable loss) and resolves once it is connected again. */
async function dropAndReconnect (client: Awaited<ReturnType<typeof connectClient>>): Promise<void> {
  const back = nextEvent(client, 'connect', 5000)
  client.io.engine.close()
  await back
}

t.test('the gateway\'s streams adapter recovers a dropped session and the messages it missed', async (t) => {
  const [a] = await twoNodes(t, { connectionRecovery: true })
  const client = await connectClient(t, a, { reconnection: true, reconnectionDelay: 50 })
  const first = nextEvent(client, 'news')
  broadcast(a, 'news', 1)
  await first
  const missed = nextEvent(client, 'news')
  client.io.once('reconnect_attempt', () => { broadcast(a, 'news', 2) })
  await dropAndReconnect(client)
  t.equal(client.recovered, true)
  t.same((await missed)[0], 2)
})

t.test('@socket.io/redis-adapter (not chosen) never recovers a session, even on the node it left', async (t) => {
  const pub = createClient({ url: SHARED_REDIS })
  const sub = pub.duplicate()
  await Promise.all([pub.connect(), sub.connect()])
  t.teardown(async () => { await Promise.all([pub.close(), sub.close()]) })
  const gw = await startGateway(t, {
    connectionRecovery: true, adminUi: false, socketio: { adapter: classicRedisAdapter(pub, sub, { key: uniquePrefix() }) as never }
  })
  const client = await connectClient(t, gw, { reconnection: true, reconnectionDelay: 50 })
  const first = nextEvent(client, 'news')
  broadcast(gw, 'news', 1)
  await first
  await dropAndReconnect(client)
  t.equal(client.recovered, false, 'its persistSession does nothing: recovery is silently off')
})
