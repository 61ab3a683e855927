import t, { type Test } from 'tap'
import { createGateway, type Gateway, type GatewayOptions } from '../src/index.js'
import { createClient } from '../src/client.js'
import { connectClient, nextEvent, startGateway } from '../src/testing.js'

// How an application adds its own typed events: declaration merging on the event maps.
declare module '../src/realtime/events.js' {
  interface ClientToServerEvents {
    'test:echo': (text: string, ack: (res: { echoed: string, by: string }) => void) => void
  }
}

/** Builds without listening, so handlers can be added first; closed with the test. */
async function build (t: Test, options: GatewayOptions = {}): Promise<Gateway> {
  const gw = await createGateway({ logLevel: 'silent', demoPage: false, ...options })
  t.teardown(() => gw.close())
  return gw
}

async function handshake (url: string): Promise<{ status: number, body: string }> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`)
  return { status: res.status, body: await res.text() }
}

t.test('createGateway returns the app, the Socket.IO server, the config and the lifecycle functions', async (t) => {
  const gw = await build(t)
  t.equal(gw.io, gw.app.io)
  t.type(gw.listen, 'function')
  t.type(gw.close, 'function')
  t.type(gw.drain, 'function')
  t.equal(gw.config.defaultRoom, 'chat-general')
  t.equal(gw.app.server.listening, false, 'nothing listens before listen()')
})

t.test('the config is frozen, arrays included', async (t) => {
  const gw = await build(t, { namespaces: ['/chat'] })
  t.ok(Object.isFrozen(gw.config))
  t.throws(() => { (gw.config as { authMode: string }).authMode = 'none' }, TypeError)
  t.throws(() => { (gw.config.namespaces as string[]).push('/sneaky') }, TypeError)
})

t.test('a typed handler added on io.of("/") before listen() serves clients', async (t) => {
  const gw = await build(t, { host: '127.0.0.1', port: 0 })
  gw.io.of('/').on('connection', (socket) => {
    socket.on('test:echo', (text, ack) => { ack({ echoed: text.toUpperCase(), by: socket.data.user.id }) })
  })
  const address = await gw.listen()
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/, 'listen() uses config.port and config.host')
  const client = await connectClient(t, { url: address }, { auth: { name: 'lib-user' } })
  t.same(await client.timeout(2000).emitWithAck('test:echo', 'hi'), { echoed: 'HI', by: 'lib-user' })
  // The built-in protocol still runs next to it.
  const got = nextEvent(client, 'message:new')
  t.equal((await client.timeout(2000).emitWithAck('message:send', { content: 'x' })).ok, true)
  await got
})

t.test('the socketio option reaches the Socket.IO server and wins over the gateway\'s own settings', async (t) => {
  const gw = await startGateway(t, { pingIntervalMs: 5000, socketio: { pingInterval: 1234, pingTimeout: 4321 } })
  const { status, body } = await handshake(gw.url)
  t.equal(status, 200)
  const open = JSON.parse(body.slice(1)) as { pingInterval: number, pingTimeout: number, maxPayload: number }
  t.equal(body[0], '0', 'an engine.io open packet')
  t.match(open, { pingInterval: 1234, pingTimeout: 4321, maxPayload: 1_000_000 })
})

t.test('the gateway\'s own settings reach Socket.IO', async (t) => {
  const gw = await startGateway(t, {
    pingIntervalMs: 7000,
    pingTimeoutMs: 3000,
    maxHttpBufferSize: 4096,
    corsOrigins: ['https://app.example.com']
  })
  const res = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example.com' } })
  t.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com')
  const body = await res.text()
  t.match(JSON.parse(body.slice(1)), { pingInterval: 7000, pingTimeout: 3000, maxPayload: 4096 })
  const other = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } })
  t.equal(other.headers.get('access-control-allow-origin'), null, 'another origin is not allowed')
  await other.text()
})

t.test('with TRANSPORTS=websocket a polling handshake is refused and WebSocket clients connect', async (t) => {
  const gw = await startGateway(t, { transports: ['websocket'] })
  const res = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)
  t.equal(res.status, 400)
  t.same(await res.json(), { code: 0, message: 'Transport unknown' })
  const c = await connectClient(t, gw, { transports: ['websocket'] })
  t.equal(c.connected, true)
})

t.test('a user allowRequest in the socketio option is consulted for new connections', async (t) => {
  const gw = await startGateway(t, {
    socketio: { allowRequest: (req, cb) => { cb(req.headers['x-let-me-in'] === 'yes' ? null : 'no header', req.headers['x-let-me-in'] === 'yes') } }
  })
  t.equal((await handshake(gw.url)).status, 403)
  const res = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { 'x-let-me-in': 'yes' } })
  t.equal(res.status, 200)
  await res.text()
})

t.test('bad options are refused with a ConfigError naming every bad key, before anything listens', async (t) => {
  await t.rejects(createGateway({ port: 70000, logLevel: 'loud' as 'info', socketio: { pingInterval: 1 } }), {
    name: 'ConfigError',
    code: 'SG_CONFIG_INVALID',
    message: 'PORT: 70000 is not valid; expected an integer from 0 to 65535\n' +
      'LOG_LEVEL: "loud" is not valid; expected one of fatal, error, warn, info, debug, trace, silent'
  })
  await t.rejects(createGateway({ transports: [] }), { code: 'SG_CONFIG_INVALID', message: /^TRANSPORTS: "" is not valid/ })
})

t.test('two gateways in one process do not share state', async (t) => {
  const one = await startGateway(t)
  const two = await startGateway(t)
  const a = await connectClient(t, one)
  const b = await connectClient(t, two)
  const atB = nextEvent(b, 'message:new')
  const atA = nextEvent(a, 'message:new')
  await b.timeout(2000).emitWithAck('message:send', { content: 'on two' })
  t.match((await atB)[0], { content: 'on two' })
  // A marker sent on gateway one afterwards: had "on two" leaked, it would have come first.
  await a.timeout(2000).emitWithAck('message:send', { content: 'on one' })
  t.match((await atA)[0], { content: 'on one' })
  t.equal(one.io.of('/').sockets.size, 1)
  t.equal(two.io.of('/').sockets.size, 1)
})

t.test('createClient is typed against the event maps', async (t) => {
  // Never called: the assertions are the type checker's (`npx tsc --noEmit` fails if an
  // expected error disappears).
  const typeOnly = (): void => {
    const c = createClient('http://127.0.0.1:1', { autoConnect: false })
    // @ts-expect-error an event the gateway does not define
    c.emit('message:sned', { content: 'x' })
    // @ts-expect-error message:send takes { content, room? }, not a string
    c.emit('message:send', 'x')
    // @ts-expect-error room:join needs its ack
    c.emit('room:join', 'r')
    c.on('message:new', (msg) => {
      // @ts-expect-error ChatMessage has no `body`
      msg.body.trim()
    })
    c.emit('message:send', { content: 'x', room: 'r' }, (ack) => { if (ack.ok) ack.id.trim() })
  }
  t.type(typeOnly, 'function')
})
