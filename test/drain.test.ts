import t, { type Test } from 'tap'
import type { Socket as ServerSocket } from 'socket.io'
import type { ClientOptions, GatewayClient } from '../src/client.js'
import { createClient } from '../src/client.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'

const MIXED: Array<ClientOptions['transports']> = [['websocket'], ['polling'], ['polling', 'websocket']]
const WINDOW_MS = 1000

/** A test-only event: its ack comes `ms` later, or never. */
function serveSlowAcks (gw: TestGateway, onCall?: () => void): void {
  gw.io.on('connection', (socket) => {
    (socket as unknown as ServerSocket).on('slow', (ms: number, ack: (v: string) => void) => {
      onCall?.()
      if (ms >= 0) setTimeout(() => ack('answered'), ms)
    })
  })
}

/** Waits for a client's first transport to be upgraded when it started on polling. */
async function settled (client: GatewayClient): Promise<void> {
  const engine = client.io.engine
  if (engine.transport.name === 'polling' && (client.io.opts.transports as string[]).includes('websocket')) {
    await new Promise((resolve) => engine.once('upgrade', resolve))
  }
}

async function connectMixed (t: Test, gw: TestGateway, n: number, opts: ClientOptions = {}): Promise<GatewayClient[]> {
  const clients: GatewayClient[] = []
  for (let i = 0; i < n; i++) {
    const client = await connectClient(t, gw, { transports: MIXED[i % MIXED.length], ...opts })
    await settled(client)
    clients.push(client)
  }
  return clients
}

t.test('a drain flips readiness, refuses newcomers and closes every transport spread over the window, answering in-flight acks first', async (t) => {
  const gw = await startGateway(t)
  let slowCalled!: () => void
  const slowArrived = new Promise<void>((resolve) => { slowCalled = resolve })
  serveSlowAcks(gw, () => slowCalled())
  const clients = await connectMixed(t, gw, 20, { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 })

  // Per client: its disconnect reason, and how many clients were still connected at that moment.
  const closes: Array<{ client: number, reason: string, stillConnected: number, at: number }> = []
  const allClosed = Promise.all(clients.map((c, i) => nextEvent<[string]>(c, 'disconnect', 5000).then(([reason]) => {
    closes.push({ client: i, reason, stillConnected: clients.filter((o) => o.connected).length, at: performance.now() })
  })))

  // The ack of this client's in-flight event is owed for 300 ms into the drain.
  const owing = clients[1]!
  const order: string[] = []
  owing.once('disconnect', () => order.push('disconnect'))
  const acked = (owing as unknown as { timeout: (ms: number) => { emitWithAck: (e: string, ms: number) => Promise<string> } })
    .timeout(5000).emitWithAck('slow', 300).then((v) => { order.push(`ack:${v}`) })
  await slowArrived

  // Also loads fetch's HTTP client now: its first use blocks the event loop the gateway shares.
  t.equal((await fetch(`${gw.url}/readyz`)).status, 200, 'ready before the drain')
  const drained = gw.drain({ windowMs: WINDOW_MS })
  t.equal(gw.drain(), drained, 'a second drain() returns the same promise')

  const ready = await fetch(`${gw.url}/readyz`)
  t.equal(ready.status, 503, 'readiness is 503 at once')
  t.same(await ready.json(), { status: 'draining', checks: {} })
  t.ok(clients.filter((c) => c.connected).length > 10, 'most clients are still connected when readiness flips')

  const poll = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)
  t.equal(poll.status, 403, 'a new engine.io handshake is refused')
  t.same(await poll.json(), { code: 4, message: 'gateway is draining' })

  for (const transports of MIXED) {
    const fresh = createClient(gw.url, { transports, reconnection: false, forceNew: true })
    t.teardown(() => { fresh.disconnect() })
    const [err] = await nextEvent<[Error]>(fresh, 'connect_error')
    t.match(err.message, /error/, `a fresh ${transports?.join('+')} client gets connect_error`)
    t.notOk(fresh.connected)
  }

  await drained
  await allClosed
  await acked
  t.same(order, ['ack:answered', 'disconnect'], 'the in-flight ack arrives before its connection closes')

  t.equal(closes.length, 20)
  t.same([...new Set(closes.map((c) => c.reason))], ['transport close'], 'every client hears "transport close", never "io server disconnect"')
  t.ok(clients.every((c) => c.active), 'every client is still trying to reconnect by itself')
  const sorted = closes.sort((a, b) => a.at - b.at)
  t.ok(sorted[0]!.stillConnected >= 15, `the first close leaves the others connected (${sorted[0]!.stillConnected} still connected)`)
  t.ok(sorted.at(-1)!.at - sorted[0]!.at >= WINDOW_MS / 2, 'first and last close are a good part of the window apart')
  const half = sorted.filter((c) => c.at - sorted[0]!.at < WINDOW_MS / 4).length
  t.ok(half < 15, `closes are spread, not bunched at the start (${half} in the first quarter)`)
  t.equal(gw.app.connections.size, 0, 'no connection is left open')

  // The clients keep trying and keep being refused while this node drains.
  const [err] = await nextEvent<[Error]>(clients[0]!.io as unknown as GatewayClient, 'reconnect_error', 2000)
  t.match(err.message, /error/)
})

t.test('a drain closes a connection whose ack never comes once DRAIN_ACK_TIMEOUT_MS passes', async (t) => {
  const gw = await startGateway(t, { drainAckTimeoutMs: 200 })
  let called!: () => void
  const arrived = new Promise<void>((resolve) => { called = resolve })
  serveSlowAcks(gw, () => called())
  const [client] = await connectMixed(t, gw, 1, { transports: ['polling'] })
  const pending = (client as unknown as { timeout: (ms: number) => { emitWithAck: (e: string, ms: number) => Promise<string> } })
    .timeout(5000).emitWithAck('slow', -1)
  pending.catch(() => {})
  await arrived
  const closed = nextEvent<[string]>(client!, 'disconnect', 3000)
  await gw.drain({ windowMs: 0 })
  t.equal((await closed)[0], 'transport close')
  await t.rejects(pending, { message: 'socket has been disconnected' }, 'the client is not left waiting for the ack')
})

t.test('an ack for an event nobody listens to does not hold the drain', async (t) => {
  const gw = await startGateway(t)
  const [client] = await connectMixed(t, gw, 1)
  const pending = client!.timeout(3000).emitWithAck('nobody:listens' as 'room:join', 'x')
  pending.catch(() => {})
  // The join round trip proves the unheard event reached the gateway before the drain starts.
  t.same(await client!.timeout(2000).emitWithAck('room:join', 'after'), { ok: true })
  const closed = nextEvent<[string]>(client!, 'disconnect', 1000)
  await gw.drain({ windowMs: 0, ackTimeoutMs: 60_000 })
  t.equal((await closed)[0], 'transport close')
})

t.test('during a drain a new namespace connection on an existing connection gets connect_error SG_DRAINING', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'] })
  // Connections close in the order they came: `root`, second, has its turn at the window's end.
  await connectClient(t, gw)
  const root = await connectClient(t, gw, { forceNew: false })
  const drained = gw.drain({ windowMs: 60_000 })
  // Same manager as `root` (no forceNew): a namespace CONNECT over the open connection.
  const chat = createClient(`${gw.url}/chat`, { transports: ['websocket'], reconnection: false })
  t.teardown(() => { chat.disconnect() })
  const [err] = await nextEvent<[Error & { data?: { code: string } }]>(chat, 'connect_error')
  t.equal(chat.io, root.io, 'the namespace connection shares the drained engine.io connection')
  t.equal(err.data?.code, 'SG_DRAINING')
  t.equal(err.message, 'This gateway is shutting down; reconnect to another node')
  await gw.close()
  await drained
})

t.test('closing the gateway with clients of both transports connected finishes and leaves nothing open', async (t) => {
  const gw = await startGateway(t)
  const clients = await connectMixed(t, gw, 10)
  const reasons = Promise.all(clients.map((c) => nextEvent<[string]>(c, 'disconnect', 5000)))
  await gw.close()
  t.equal(gw.app.connections.size, 0)
  const got = (await reasons).map(([r]) => r)
  t.equal(got.length, 10)
  t.ok(got.every((r) => r === 'io server disconnect' || r === 'transport close'), `clients are told or closed: ${[...new Set(got)].join(', ')}`)
})

t.test('closing the gateway in the middle of a drain ends the drain early', async (t) => {
  const gw = await startGateway(t)
  await connectMixed(t, gw, 3)
  const drained = gw.drain({ windowMs: 60_000 })
  await gw.close()
  await drained
  t.equal(gw.app.connections.size, 0)
})
