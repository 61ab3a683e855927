import { once } from 'node:events'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'
import type { ChatMessage } from '../src/index.js'
import type { GatewayClient } from '../src/client.js'

/** Emits any event with any arguments, as a buggy or hostile client would. */
const raw = (c: GatewayClient) => c.timeout(2000) as unknown as { emitWithAck: (event: string, ...args: unknown[]) => Promise<unknown> }

/** Proves `a` and `b` still exchange messages in the default room. */
async function stillExchanging (a: GatewayClient, b: GatewayClient, content = 'still here'): Promise<ChatMessage> {
  const got = messageWith(b, content)
  const ack = await a.timeout(2000).emitWithAck('message:send', { content })
  if (!ack.ok) throw new Error(ack.error.message)
  return got
}

/** The next message:new with this content (earlier traffic may still be in flight). */
async function messageWith (client: GatewayClient, content: string): Promise<ChatMessage> {
  for (;;) {
    const [msg] = await nextEvent<[ChatMessage]>(client, 'message:new')
    if (msg.content === content) return msg
  }
}

const payloadError = (message: string) => ({ ok: false, error: { code: 'SG_INVALID_PAYLOAD', message } })
const roomError = (message: string) => ({ ok: false, error: { code: 'SG_INVALID_ROOM', message } })

t.test('malformed message:send payloads are answered with SG_INVALID_PAYLOAD', async (t) => {
  const gw = await startGateway(t, { messageMaxLength: 100 })
  const c = await connectClient(t, gw)
  const cases: Array<[string, unknown[], string]> = [
    ['a string', ['hello'], 'payload must be an object { content, room? }'],
    ['null', [null], 'payload must be an object { content, room? }'],
    ['an array', [['hello']], 'payload must be an object { content, room? }'],
    ['nothing at all', [], 'payload must be an object { content, room? }'],
    ['no content', [{}], 'content must be a string, got undefined'],
    ['numeric content', [{ content: 42 }], 'content must be a string, got number'],
    ['null content', [{ content: null }], 'content must be a string, got null'],
    ['empty content', [{ content: '' }], 'content must not be empty'],
    ['blank content', [{ content: ' \n\t ' }], 'content must not be empty'],
    ['too long content', [{ content: 'x'.repeat(101) }], 'content is 101 characters; expected at most 100']
  ]
  for (const [name, args, message] of cases) {
    t.same(await raw(c).emitWithAck('message:send', ...args), payloadError(message), name)
  }
  t.equal((await stillExchanging(c, c)).content, 'still here')
})

t.test('invalid room names are answered with SG_INVALID_ROOM on join, leave and send', async (t) => {
  const gw = await startGateway(t)
  const c = await connectClient(t, gw)
  const letters = 'x'.repeat(65)
  const cases: Array<[string, unknown, string]> = [
    ['bad characters', 'no spaces/here', 'room "no spaces/here" is not valid; expected 1 to 64 letters, digits, _ . : -'],
    ['65 characters', letters, `room "${letters}" is not valid; expected 1 to 64 letters, digits, _ . : -`],
    ['empty', '', 'room "" is not valid; expected 1 to 64 letters, digits, _ . : -'],
    ['shaped like a socket id', 'Ab3dEfGh1jKlMnOpQr_-', 'room "Ab3dEfGh1jKlMnOpQr_-" is reserved (it has the shape of a socket id)'],
    ['not a string', 7, 'room must be a string, got number']
  ]
  for (const [name, room, message] of cases) {
    t.same(await raw(c).emitWithAck('room:join', room), roomError(message), `join: ${name}`)
    t.same(await raw(c).emitWithAck('room:leave', room), roomError(message), `leave: ${name}`)
    t.same(await raw(c).emitWithAck('message:send', { content: 'x', room }), payloadError(message), `send: ${name}`)
  }
  t.same(await raw(c).emitWithAck('room:join'), roomError('room must be a string, got undefined'), 'join without a room')
  // Its own socket id is a room Socket.IO made: joining or leaving it by name is refused too.
  t.same(await raw(c).emitWithAck('room:leave', c.id), roomError(`room "${c.id!}" is reserved (it has the shape of a socket id)`))
})

t.test('sending to a room not joined is answered with SG_NOT_IN_ROOM', async (t) => {
  const gw = await startGateway(t)
  const c = await connectClient(t, gw)
  t.same(await c.timeout(2000).emitWithAck('message:send', { content: 'x', room: 'elsewhere' }), {
    ok: false,
    error: { code: 'SG_NOT_IN_ROOM', message: 'you have not joined room "elsewhere"; send room:join first' }
  })
  t.same(await c.timeout(2000).emitWithAck('room:leave', 'chat-general'), { ok: true })
  const ack = await c.timeout(2000).emitWithAck('message:send', { content: 'x' })
  t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_NOT_IN_ROOM', 'after leaving the default room')
})

t.test('room:join and message:send without an ack function are ignored without crashing', async (t) => {
  const gw = await startGateway(t)
  const a = await connectClient(t, gw)
  const b = await connectClient(t, gw)
  const emit = a as unknown as { emit: (event: string, ...args: unknown[]) => void }
  emit.emit('room:join', 'quiet-room')
  emit.emit('room:join', 'quiet-room', 'not a function')
  emit.emit('message:send', { content: 42 })
  emit.emit('message:send')
  // Packets on one connection are handled in order: by the time this ack arrives the ones
  // above were processed, and the join without an ack did not happen.
  const ack = await a.timeout(2000).emitWithAck('message:send', { content: 'x', room: 'quiet-room' })
  t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_NOT_IN_ROOM')
  t.equal((await stillExchanging(a, b)).content, 'still here')
})

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, a packet above maxHttpBufferSize closes only that client's connection`, async (t) => {
    const gw = await startGateway(t, { maxHttpBufferSize: 1024 })
    const opts = { transports: [transport] }
    const a = await connectClient(t, gw, opts)
    const b = await connectClient(t, gw, opts)
    const big = await connectClient(t, gw, opts)
    const serverSide = gw.io.of('/').sockets.get(big.id!)!
    const serverGone = once(serverSide, 'disconnect')
    const gone = nextEvent<[string]>(big, 'disconnect')
    big.emit('message:send', { content: 'x'.repeat(5000) })
    const [reason] = await gone
    t.match(reason, /^transport (close|error)$/)
    await serverGone
    t.equal(gw.io.of('/').sockets.size, 2, 'the gateway released the session')
    t.equal((await stillExchanging(a, b)).content, 'still here')
    t.equal((await stillExchanging(b, a, 'both ways')).content, 'both ways')
  })
}

/** A raw WebSocket speaking Engine.IO 4 / Socket.IO 5, joined to the default namespace. */
async function rawSocket (t: Test, gw: TestGateway): Promise<{ ws: WebSocket, next: () => Promise<string> }> {
  const ws = new WebSocket(gw.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
  t.teardown(() => { ws.terminate() })
  const queue: string[] = []
  const waiting: Array<(s: string) => void> = []
  ws.on('message', (data) => {
    const text = String(data)
    if (text === '2') return ws.send('3') // heartbeat
    const w = waiting.shift()
    if (w) w(text)
    else queue.push(text)
  })
  const next = () => new Promise<string>((resolve) => {
    const q = queue.shift()
    if (q !== undefined) resolve(q)
    else waiting.push(resolve)
  })
  t.match(await next(), /^0\{"sid":/, 'engine.io open')
  ws.send('40')
  t.match(await next(), /^40\{"sid":/, 'namespace connected')
  return { ws, next }
}

const malformed: Array<[string, string]> = [
  ['broken JSON', '42["message:send"'],
  ['an event that is not an array', '42{"content":"x"}'],
  ['an unknown packet type', '49["message:send",{}]'],
  ['a reserved event name', '42["connect",{}]']
]

for (const [name, packet] of malformed) {
  t.test(`a raw WebSocket sending ${name} is disconnected while a normal client is fine`, async (t) => {
    const gw = await startGateway(t)
    const a = await connectClient(t, gw)
    const b = await connectClient(t, gw, { transports: ['polling'] })
    const { ws, next } = await rawSocket(t, gw)
    ws.send('420["message:send",{"content":"from raw"}]')
    t.match(await next(), /^42\["message:new",\{.*"content":"from raw"/, 'the raw client took part before')
    t.match(await next(), /^430\[\{"ok":true,"id":"[0-9a-f-]{36}"\}\]$/)
    const closed = once(ws, 'close')
    ws.send(packet)
    await closed
    t.equal((await stillExchanging(a, b)).content, 'still here')
  })
}
