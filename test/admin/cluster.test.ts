// Operator mode across two clustered gateways in one process (shared Redis, a key prefix of their
// own): the operator on node A sees and acts on node B's sockets, and no admin message crosses
// Redis while no operator is connected anywhere (watched with Redis's MONITOR).
import { connect, type Socket as TcpSocket } from 'node:net'
import t, { type Test } from 'tap'
import type { SocketSummary } from '../../src/admin/snapshot.js'
import type { ServerStats } from '../../src/admin/stats.js'
import type { ListInfo } from '../../src/admin/views.js'
import type { GatewayOptions } from '../../src/app.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from '../cluster/helpers.js'
import { connectAdmin, hashOf, PASSWORD } from './helpers.js'

let hash: string
t.before(async () => { hash = await hashOf() })

async function twoNodes (t: Test, extra: GatewayOptions = {}): Promise<[TestGateway, TestGateway, string]> {
  const prefix = uniquePrefix()
  const options: GatewayOptions = {
    redisUrl: SHARED_REDIS, redisKeyPrefix: prefix, clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminPasswordHash: hash, ...extra
  }
  const a = await startGateway(t, { ...options, nodeId: 'node-a' })
  const b = await startGateway(t, { ...options, nodeId: 'node-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  return [a, b, prefix]
}

const login = (t: Test, gw: TestGateway) => connectAdmin(t, gw, { username: 'admin', password: PASSWORD })

t.test('the operator on node A lists, follows, finds and acts on the sockets of node B', async (t) => {
  const [a, b] = await twoNodes(t, { adminSocketListMax: 2 })
  const old = await connectClient(t, b, { auth: { name: 'old-timer' } })
  const onA = await connectClient(t, a, { auth: { name: 'ann' } })
  const onB = await connectClient(t, b, { auth: { name: 'bob' } })
  const operator = await login(t, a)

  const [sockets] = await operator.next<[SocketSummary[]]>('all_sockets')
  t.same(sockets.map((s) => [s.data.user, s.data.node]).sort(), [['ann', 'node-a'], ['bob', 'node-b']], 'the two most recent, from both nodes')
  t.same((await operator.next<[ListInfo]>('socketgate:list'))[0], { shown: 2, total: 3, limit: 2, complete: true })

  await t.test('a search reaches the socket beyond the cap on the other node', async (t) => {
    const answer = await operator.socket.timeout(8000).emitWithAck('socketgate:search', 'old-')
    t.match(answer, { ok: true, complete: true })
    t.same(answer.sockets.map((s: SocketSummary) => [s.id, s.data.node]), [[old.id, 'node-b']])
    await operator.next('socket_connected', (s: SocketSummary) => s.id === old.id)
  })

  await t.test('a room join from the admin on A puts the socket on B in the room, and A hears of it', async (t) => {
    operator.socket.emit('join', '/', 'ops-red', onB.id)
    await waitFor('the socket on B to join', () => b.io.of('/').sockets.get(onB.id!)?.rooms.has('ops-red') ? true : undefined)
    t.same((await operator.next('room_joined', (_n, room) => room === 'ops-red')).slice(0, 3), ['/', 'ops-red', onB.id])
  })

  await t.test('a disconnect from the admin on A disconnects the socket on B, and A sees it go', async (t) => {
    const id = onB.id
    const gone = nextEvent<[string]>(onB, 'disconnect', 5000)
    operator.socket.emit('_disconnect', '/', false, id)
    t.equal((await gone)[0], 'io server disconnect')
    t.same((await operator.next('socket_disconnected', (_n, sid) => sid === id)).slice(0, 3), ['/', id, 'server namespace disconnect'])
    t.equal(onA.connected, true)
  })

  await t.test('both nodes\' stats reach the operator on A, neither counting operators as clients', async (t) => {
    // After the disconnect: B holds old-timer; A holds ann and the operator, who is no client.
    const after = (s: ServerStats): boolean => s.namespaces[0]?.socketsCount === 1
    const [fromB] = await operator.next<[ServerStats]>('server_stats', (s) => s.serverId === 'node-b' && after(s), 8000)
    t.match(fromB, { clientsCount: 1, namespaces: [{ name: '/', socketsCount: 1 }] })
    const [fromA] = await operator.next<[ServerStats]>('server_stats', (s) => s.serverId === 'node-a' && after(s), 8000)
    t.match(fromA, { clientsCount: 1, namespaces: [{ name: '/', socketsCount: 1 }] })
    t.equal(fromA.namespaces.length, 1, 'no /admin')
  })
})

/** Every command Redis runs, as MONITOR prints it, while the returned function is not called. */
async function monitor (t: Test): Promise<{ lines: string[], stop: () => void }> {
  const url = new URL(SHARED_REDIS)
  const socket: TcpSocket = connect(Number(url.port), url.hostname)
  const lines: string[] = []
  let rest = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\r\n')
    rest = parts.pop()!
    lines.push(...parts)
  })
  socket.write('MONITOR\r\n')
  await waitFor('MONITOR to start', () => lines[0] === '+OK' ? true : undefined)
  const stop = (): void => { socket.destroy() }
  t.teardown(stop)
  return { lines, stop }
}

t.test('nothing is published to Redis for admin purposes while no operator is connected', async (t) => {
  const [a, b, prefix] = await twoNodes(t)
  const redis = await monitor(t)
  const admin = (from: number): string[] => redis.lines.slice(from).filter((l) => l.includes(prefix) && l.includes('/admin'))
  const chat = (from: number): string[] => redis.lines.slice(from).filter((l) => l.includes(prefix) && !l.includes('/admin'))

  /** Clients connect to both nodes, join a room, talk, leave; 2.5 s so that a 2 s timer would fire. */
  const activity = async (round: string): Promise<void> => {
    const x = await connectClient(t, a, { auth: { name: `${round}-x` } })
    const y = await connectClient(t, b, { auth: { name: `${round}-y` } })
    for (const c of [x, y]) t.match(await c.timeout(3000).emitWithAck('room:join', `room-${round}`), { ok: true })
    const got = nextEvent(y, 'message:new', 3000)
    t.match(await x.timeout(3000).emitWithAck('message:send', { content: 'hello', room: `room-${round}` }), { ok: true })
    await got
    await new Promise((resolve) => setTimeout(resolve, 2500))
    x.disconnect()
    y.disconnect()
  }

  const start = redis.lines.length
  await activity('idle')
  t.ok(chat(start).length > 0, 'MONITOR sees the cluster\'s own traffic')
  t.same(admin(start), [], 'no admin command while nobody watches')

  const operator = await login(t, a)
  await operator.next('all_sockets')
  await waitFor('node B to hear of the operator', () => b.app.adminUi.watched() ? true : undefined)
  await activity('watched')
  await operator.next<[ServerStats]>('server_stats', (s) => s.serverId === 'node-b')
  t.ok(admin(start).some((l) => /"PUBLISH"/.test(l)), 'with an operator, the nodes talk (MONITOR would have seen it)')
  t.ok((a.app.adminUi.clusterMessages().get('socketgate:admin:watch') ?? 0) >= 1, 'node A said it has an operator')
  t.ok((b.app.adminUi.clusterMessages().get('socketgate:admin:events') ?? 0) >= 1, 'node B sent its updates')

  const unwatched = waitFor('node B to hear the operator left', () => b.app.adminUi.watched() ? undefined : true)
  operator.socket.disconnect()
  await unwatched
  // A batch or a stats tick may still have been under way when the word came.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const after = redis.lines.length
  await activity('after')
  t.same(admin(after), [], 'no admin command once the last operator left')
  redis.stop()
})
