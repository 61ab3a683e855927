// ADMIN_MODE=operator, the default, at the protocol level: socket.io-client on /admin as the UI
// uses it, real chat clients. Across nodes: cluster.test.ts.
import t from 'tap'
import type { SocketSummary } from '../../src/admin/snapshot.js'
import type { ServerStats } from '../../src/admin/stats.js'
import type { ListInfo } from '../../src/admin/views.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { connectAdmin, hashOf, PASSWORD } from './helpers.js'

let hash: string
t.before(async () => { hash = await hashOf() })

const login = (t: Parameters<typeof connectAdmin>[0], gw: TestGateway, opts: Parameters<typeof connectAdmin>[3] = {}) =>
  connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, opts)
const users = (sockets: SocketSummary[]) => sockets.map((s) => s.data.user).sort()

t.test('after login the socket list arrives with the chat clients and their users, metadata only, without the operator', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash, namespaces: ['/support'] })
  const ann = await connectClient(t, gw, { auth: { name: 'ann' }, extraHeaders: { cookie: 'session=ann-secret-cookie' }, query: { token: 'query-secret' } })
  await connectClient(t, gw, { auth: { name: 'bob' }, transports: ['polling'] })
  await connectClient(t, gw, { auth: { name: 'cid' }, nsp: '/support' })
  t.match(await ann.timeout(2000).emitWithAck('room:join', 'team-red'), { ok: true })
  const operator = await login(t, gw)
  const [sockets] = await operator.next<[SocketSummary[]]>('all_sockets')
  t.same(users(sockets), ['ann', 'bob', 'cid'])
  const a = sockets.find((s) => s.data.user === 'ann')!
  t.same(Object.keys(a).sort(), ['clientId', 'data', 'handshake', 'id', 'nsp', 'rooms', 'transport'])
  t.match(a, { id: ann.id, nsp: '/', transport: 'websocket', data: { user: 'ann', node: gw.app.cluster.nodeId }, handshake: { address: '127.0.0.1', headers: {}, query: {} } })
  t.same(a.rooms.sort(), [ann.id, 'chat-general', 'team-red'].sort())
  t.type(a.handshake.issued, 'number')
  t.equal(sockets.find((s) => s.data.user === 'bob')!.transport, 'polling')
  t.equal(sockets.find((s) => s.data.user === 'cid')!.nsp, '/support')
  t.notOk(sockets.some((s) => s.id === operator.socket.id || s.nsp === '/admin'), 'not the operator\'s own socket')
  t.notMatch(JSON.stringify(operator.heard), /secret/, 'no cookie, no query, no auth payload')
  const [info] = await operator.next<[ListInfo]>('socketgate:list')
  t.same(info, { shown: 3, total: 3, limit: 1000, complete: true })
})

t.test('a chat message produces no event_received or event_sent, and no payload reaches the operator', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash })
  const ann = await connectClient(t, gw, { auth: { name: 'ann' } })
  const bob = await connectClient(t, gw, { auth: { name: 'bob' } })
  const operator = await login(t, gw)
  await operator.next('all_sockets')
  const got = nextEvent(bob, 'message:new')
  t.match(await ann.timeout(2000).emitWithAck('message:send', { content: 'the payload nobody may copy' }), { ok: true })
  await got
  // Updates reach the operator in order: once this later one is in, anything the message caused is.
  t.match(await ann.timeout(2000).emitWithAck('room:join', 'after-the-message'), { ok: true })
  await operator.next('room_joined', (_n, room) => room === 'after-the-message')
  const names = new Set(operator.heard.map(([name]) => name))
  t.notOk(names.has('event_received'))
  t.notOk(names.has('event_sent'))
  t.notMatch(JSON.stringify(operator.heard), 'the payload nobody may copy')
})

t.test('live updates: connections, rooms joined and left, disconnections with their reason', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash })
  const operator = await login(t, gw)
  await operator.next('all_sockets')
  const dan = await connectClient(t, gw, { auth: { name: 'dan' } })
  const [summary, at] = await operator.next<[SocketSummary, string]>('socket_connected', (s) => s.data.user === 'dan')
  t.equal(summary.id, dan.id)
  t.ok(summary.rooms.includes('chat-general'), 'the rooms it joined as it connected come with it')
  t.match(at, /^\d{4}-\d\d-\d\dT/)
  t.match(await dan.timeout(2000).emitWithAck('room:join', 'team-blue'), { ok: true })
  t.same((await operator.next('room_joined', (_n, room) => room === 'team-blue')).slice(0, 3), ['/', 'team-blue', dan.id])
  t.match(await dan.timeout(2000).emitWithAck('room:leave', 'team-blue'), { ok: true })
  t.same((await operator.next('room_left', (_n, room) => room === 'team-blue')).slice(0, 3), ['/', 'team-blue', dan.id])
  const id = dan.id
  dan.disconnect()
  const [nsp, gone, reason] = await operator.next<[string, string, string]>('socket_disconnected')
  t.same([nsp, gone, reason], ['/', id, 'client namespace disconnect'])
  t.notOk(operator.heard.some(([name, ...args]) => name === 'socket_connected' && (args[0] as SocketSummary).nsp === '/admin'), 'other operators are not announced')
})

t.test('the list at login is capped, with the true total; search finds the sockets beyond the cap', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash, adminSocketListMax: 3 })
  const clients = []
  for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) clients.push(await connectClient(t, gw, { auth: { name } }))
  const operator = await login(t, gw)
  const [sockets] = await operator.next<[SocketSummary[]]>('all_sockets')
  t.same(users(sockets), ['u3', 'u4', 'u5'], 'the three most recent')
  t.same((await operator.next<[ListInfo]>('socketgate:list'))[0], { shown: 3, total: 5, limit: 3, complete: true })

  // Full: a new socket is counted, not sent.
  await connectClient(t, gw, { auth: { name: 'u6' } })
  await operator.next<[ListInfo]>('socketgate:list', (info) => info.total === 6)
  t.notOk(operator.heard.some(([name]) => name === 'socket_connected'), 'a full list takes no more live connections')

  const answer = await operator.socket.timeout(5000).emitWithAck('socketgate:search', 'U1')
  t.match(answer, { ok: true, complete: true })
  t.same(answer.sockets.map((s: SocketSummary) => s.data.user), ['u1'], 'by user, any case')
  const [added] = await operator.next<[SocketSummary]>('socket_connected', (s) => s.data.user === 'u1')
  t.equal(added.id, clients[0]!.id, 'and put in the UI\'s lists')
  const byId = await operator.socket.timeout(5000).emitWithAck('socketgate:search', clients[1]!.id)
  t.same(byId.sockets.map((s: SocketSummary) => s.id), [clients[1]!.id], 'by socket id')
  t.same((await operator.socket.timeout(5000).emitWithAck('socketgate:search', 'nobody')).sockets, [])

  // A socket found by search is followed like the others.
  const id = clients[0]!.id
  clients[0]!.disconnect()
  t.equal((await operator.next<[string, string]>('socket_disconnected', (_n, gone) => gone === id))[1], id)
})

t.test('a search must be a string of 1 to 128 characters, one at a time', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash })
  const operator = await login(t, gw)
  for (const bad of ['', '   ', 'x'.repeat(129), 42, { user: 'ann' }]) {
    t.match(await operator.socket.timeout(2000).emitWithAck('socketgate:search', bad), {
      ok: false, error: { code: 'SG_INVALID_PAYLOAD', message: 'query must be a user id or a socket id of 1 to 128 characters' }
    }, JSON.stringify(bad))
  }
  const both = await Promise.all([operator.socket.timeout(2000).emitWithAck('socketgate:search', 'a'), operator.socket.timeout(2000).emitWithAck('socketgate:search', 'b')])
  t.ok(both.some((a) => a.ok), 'one runs')
  // Single node: the first answers at once, so the second may run too; neither is an error other than busy.
  t.ok(both.every((a) => a.ok || a.error.code === 'SG_ADMIN_BUSY'))
})

t.test('server_stats: operators are not clients, the admin namespace is not listed', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash })
  await connectClient(t, gw, { auth: { name: 'ann' } })
  await connectClient(t, gw, { auth: { name: 'bob' }, transports: ['polling'] })
  const first = await login(t, gw)
  await login(t, gw)
  const [stats] = await first.next<[ServerStats]>('server_stats', (s) => s.clientsCount !== undefined)
  t.match(stats, { serverId: gw.app.cluster.nodeId, clientsCount: 2, pollingClientsCount: 1, namespaces: [{ name: '/', socketsCount: 2 }] })
  t.equal(stats.namespaces.length, 1, 'no /admin')
  t.equal(gw.io.engine.clientsCount, 4, 'two clients and two operators are connected')
})

t.test('with METRICS_ENABLED=false the counts are made without the metrics', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash, metricsEnabled: false })
  await connectClient(t, gw, { auth: { name: 'bob' }, transports: ['polling'] })
  const operator = await login(t, gw, { transports: ['polling'] })
  const [stats] = await operator.next<[ServerStats]>('server_stats')
  t.match(stats, { clientsCount: 1, pollingClientsCount: 1 })
})
