import { once } from 'node:events'
import { SignJWT } from 'jose'
import t, { type Test } from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'
import type { ChatMessage } from '../src/index.js'
import { createClient, type GatewayClient } from '../src/client.js'

async function ok (pending: Promise<{ ok: boolean, error?: { code: string, message: string } }>): Promise<void> {
  const ack = await pending
  if (!ack.ok) throw new Error(`${ack.error!.code}: ${ack.error!.message}`)
}

/** The next message:new with this content (earlier traffic may still be in flight). */
async function messageWith (client: GatewayClient, content: string): Promise<ChatMessage> {
  for (;;) {
    const [msg] = await nextEvent<[ChatMessage]>(client, 'message:new')
    if (msg.content === content) return msg
  }
}

const send = (c: GatewayClient, content: string, room = 'team-a') => c.timeout(2000).emitWithAck('message:send', { content, room })

/** Two clients in room team-a; `away` has received one message. */
async function twoInRoom (t: Test, gw: TestGateway, transport: 'websocket' | 'polling', awayAuth: Record<string, unknown> = {}) {
  const away = await connectClient(t, gw, { transports: [transport], auth: awayAuth })
  const peer = await connectClient(t, gw, { transports: [transport], auth: awayAuth })
  await ok(away.timeout(2000).emitWithAck('room:join', 'team-a'))
  await ok(peer.timeout(2000).emitWithAck('room:join', 'team-a'))
  const first = messageWith(away, 'before')
  await ok(send(peer, 'before'))
  await first
  return { away, peer }
}

/** Closes `client`'s transport from the server side and waits until both ends saw it. */
async function dropTransport (gw: TestGateway, client: GatewayClient): Promise<string> {
  const serverSide = gw.io.of('/').sockets.get(client.id!)!
  const serverSaw = once(serverSide, 'disconnect')
  const clientSaw = nextEvent<[string]>(client, 'disconnect')
  serverSide.conn.close()
  await serverSaw
  return (await clientSaw)[0]
}

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, with CONNECTION_RECOVERY on, a client whose transport was closed gets what it missed and keeps its rooms`, async (t) => {
    const gw = await startGateway(t, { connectionRecovery: true })
    const { away, peer } = await twoInRoom(t, gw, transport)
    const idBefore = away.id
    t.equal(await dropTransport(gw, away), 'transport close')

    await ok(send(peer, 'while away'))
    const missed = messageWith(away, 'while away')
    away.connect()
    await nextEvent(away, 'connect')
    t.equal(away.recovered, true)
    t.equal(away.id, idBefore, 'same socket id')
    t.match(await missed, { content: 'while away', room: 'team-a', author: /^guest-/ })

    const after = messageWith(away, 'after')
    await ok(send(peer, 'after'))
    await after
    await ok(send(away, 'back', 'team-a'))
  })
}

t.test('with CONNECTION_RECOVERY on, socket.io-client reconnects by itself and recovers', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const { away, peer } = await twoInRoom(t, gw, 'websocket')
  away.io.reconnection(true)
  const serverSide = gw.io.of('/').sockets.get(away.id!)!
  // Published the moment the server lets go of the socket, so it is certainly missed.
  serverSide.once('disconnect', () => {
    peer.emit('message:send', { content: 'while away', room: 'team-a' })
  })
  const missed = messageWith(away, 'while away')
  const back = nextEvent(away, 'connect', 5000)
  away.io.engine.close()
  await back
  t.equal(away.recovered, true)
  t.equal((await missed).room, 'team-a')
})

t.test('a client that has received no message yet is recovered too (the gateway sends session:ready at connect)', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  // Listening before the connection opens: session:ready follows the CONNECT packet at once.
  const away = createClient(gw.url, { transports: ['websocket'], reconnection: false, forceNew: true })
  t.teardown(() => { away.disconnect() })
  const ready = nextEvent<[{ id: string }]>(away, 'session:ready')
  const peer = await connectClient(t, gw)
  t.same((await ready)[0], { id: away.id })
  await ok(away.timeout(2000).emitWithAck('room:join', 'team-a'))
  await ok(peer.timeout(2000).emitWithAck('room:join', 'team-a'))
  const idBefore = away.id
  await dropTransport(gw, away)
  await ok(send(peer, 'while away'))
  const missed = messageWith(away, 'while away')
  const noSecondReady = new Promise<string>((resolve) => {
    away.once('session:ready', () => resolve('session:ready again'))
    away.once('connect', () => setImmediate(() => resolve('connect only')))
  })
  away.connect()
  await nextEvent(away, 'connect')
  t.equal(away.recovered, true)
  t.equal(away.id, idBefore)
  t.equal((await missed).room, 'team-a')
  t.equal(await noSecondReady, 'connect only', 'a recovered socket is not sent session:ready again')
})

t.test('a recovered client that had left the default room is not put back in it', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const { away } = await twoInRoom(t, gw, 'websocket')
  await ok(away.timeout(2000).emitWithAck('room:leave', 'chat-general'))
  await dropTransport(gw, away)
  away.connect()
  await nextEvent(away, 'connect')
  t.equal(away.recovered, true)
  const ack = await away.timeout(2000).emitWithAck('message:send', { content: 'x' })
  t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_NOT_IN_ROOM')
})

t.test('with CONNECTION_RECOVERY off, a reconnected client starts afresh', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: false })
  const { away } = await twoInRoom(t, gw, 'websocket')
  const idBefore = away.id
  await dropTransport(gw, away)
  away.connect()
  await nextEvent(away, 'connect')
  t.notOk(away.recovered)
  t.not(away.id, idBefore)
  const ack = await send(away, 'x')
  t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_NOT_IN_ROOM', 'the room team-a was not kept')
  t.equal((await away.timeout(2000).emitWithAck('message:send', { content: 'x' })).ok, true, 'the default room was joined again')
})

t.test('a session whose token expired while the client was away is not recovered: the handshake checks the token again', async (t) => {
  const secret = 'a-test-secret-of-at-least-32-characters!'
  const gw = await startGateway(t, { connectionRecovery: true, authMode: 'jwt', jwtSecret: secret })
  const key = new TextEncoder().encode(secret)
  const token = (sub: string, exp: number) => new SignJWT({ sub, exp }).setProtectedHeader({ alg: 'HS256' }).sign(key)
  // exp has second precision: between 1 and 2 seconds from now.
  const exp = Math.floor(Date.now() / 1000) + 2
  const { away } = await twoInRoom(t, gw, 'websocket', { token: await token('away', exp) })
  const peer = await connectClient(t, gw, { auth: { token: await token('peer', exp + 3600) } })
  await ok(peer.timeout(2000).emitWithAck('room:join', 'team-a'))
  // Holds a token with the same expiry and stays connected: its auth:expired says the time has come.
  const witness = await connectClient(t, gw, { auth: { token: await token('witness', exp) } })
  await dropTransport(gw, away)
  await ok(send(peer, 'after expiry'))
  await nextEvent(witness, 'auth:expired', 5000)

  const leaked: string[] = []
  away.on('message:new', (m) => { leaked.push(m.content) })
  const refused = nextEvent<[Error & { data?: { code: string } }]>(away, 'connect_error')
  away.connect()
  const [err] = await refused
  t.equal(err.data?.code, 'SG_TOKEN_EXPIRED')
  t.equal(err.message, 'Token expired: get a new token and reconnect')
  t.same(leaked, [])
  t.notOk(away.recovered)
})
