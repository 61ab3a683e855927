import t from 'tap'
import { connectClient, nextEvent, startGateway } from '../src/testing.js'
import type { ChatMessage } from '../src/index.js'

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, a message sent to the default room reaches every socket in it`, async (t) => {
    const gw = await startGateway(t)
    const a = await connectClient(t, gw, { transports: [transport] })
    const b = await connectClient(t, gw, { transports: [transport] })
    const got = nextEvent<[ChatMessage]>(b, 'message:new')
    const ack = await a.timeout(2000).emitWithAck('message:send', { content: 'hello' })
    t.equal(ack.ok, true)
    const [msg] = await got
    t.match(msg, { author: /^guest-/, content: 'hello', room: 'chat-general', id: ack.ok ? ack.id : 'x' })
    t.type(msg.timestamp, 'number')
  })
}

t.test('a socket joins rooms by name, hears only the rooms it is in, and may leave them', async (t) => {
  const gw = await startGateway(t)
  const a = await connectClient(t, gw)
  const b = await connectClient(t, gw)
  t.same(await b.timeout(2000).emitWithAck('room:join', 'team-red-engineering'), { ok: true },
    'a 20-character name without capitals is a room name, not a socket id')
  t.same(await a.timeout(2000).emitWithAck('room:join', 'team-red-engineering'), { ok: true })
  const got = nextEvent<[ChatMessage]>(b, 'message:new')
  t.match(await a.timeout(2000).emitWithAck('message:send', { content: 'hi team', room: 'team-red-engineering' }), { ok: true })
  t.match((await got)[0], { room: 'team-red-engineering', content: 'hi team' })
  t.same(await a.timeout(2000).emitWithAck('room:leave', 'team-red-engineering'), { ok: true })
  t.match(await a.timeout(2000).emitWithAck('message:send', { content: 'x', room: 'team-red-engineering' }),
    { ok: false, error: { code: 'SG_NOT_IN_ROOM' } })
})

t.test('the id of a socket on this node is never a room another socket can join or leave', async (t) => {
  const gw = await startGateway(t)
  const victim = await connectClient(t, gw)
  const other = await connectClient(t, gw)
  for (const event of ['room:join', 'room:leave'] as const) {
    t.same(await other.timeout(2000).emitWithAck(event, victim.id!), {
      ok: false,
      error: { code: 'SG_INVALID_ROOM', message: `room "${victim.id!}" is reserved (it has the shape of a socket id)` }
    }, event)
  }
})

t.test('a socket cannot be in more than MAX_ROOMS_PER_SOCKET rooms; rejoining one it is in still works', async (t) => {
  const gw = await startGateway(t, { maxRoomsPerSocket: 3 })
  const c = await connectClient(t, gw) // in chat-general already
  t.same(await c.timeout(2000).emitWithAck('room:join', 'r1'), { ok: true })
  t.same(await c.timeout(2000).emitWithAck('room:join', 'r2'), { ok: true })
  t.same(await c.timeout(2000).emitWithAck('room:join', 'r3'), {
    ok: false,
    error: { code: 'SG_TOO_MANY_ROOMS', message: 'you are in 3 rooms already, the most allowed; leave one first' }
  })
  t.same(await c.timeout(2000).emitWithAck('room:join', 'r2'), { ok: true })
  t.same(await c.timeout(2000).emitWithAck('room:leave', 'r1'), { ok: true })
  t.same(await c.timeout(2000).emitWithAck('room:join', 'r3'), { ok: true })
})

t.test('the protocol listeners go on a socket with its first event of each name, beside the application\'s own', async (t) => {
  const gw = await startGateway(t)
  const mine: unknown[] = []
  gw.io.of('/').on('connection', (socket) => {
    socket.on('message:send', ((payload: unknown) => { mine.push(payload) }) as never)
  })
  const client = await connectClient(t, gw)
  const socket = gw.io.of('/').sockets.get(client.id!)!
  t.same(['room:join', 'room:leave', 'message:send'].map((e) => socket.listenerCount(e as never)), [0, 0, 1],
    'a socket that sent nothing has only the application\'s listener')
  t.match(await client.timeout(2000).emitWithAck('message:send', { content: 'first' }), { ok: true }, 'the first event is answered')
  t.match(await client.timeout(2000).emitWithAck('message:send', { content: 'second' }), { ok: true })
  t.same(mine, [{ content: 'first' }, { content: 'second' }], 'the application heard both')
  t.equal(socket.listenerCount('message:send' as never), 2, 'the protocol\'s listener, once')
  t.same(await client.timeout(2000).emitWithAck('room:join', 'lobby'), { ok: true })
  t.equal(socket.listenerCount('room:join' as never), 1)
})
