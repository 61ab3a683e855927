import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Manager, type Socket as ClientSocket } from 'socket.io-client'
import { startGateway, type TestContext } from '../../src/testing.js'
import { scrape, seriesCount, value } from './helpers.js'

const CLIENTS = 10
const CYCLES_PER_CLIENT = 1000

/**
 * Namespace-level connect/disconnect cycles over few engine.io connections: each manager keeps
 * one anchor socket on /chat so its connection stays open while a socket on / comes and goes.
 */
const connected = (socket: ClientSocket) => new Promise<void>((resolve, reject) => {
  socket.once('connect', resolve)
  socket.once('connect_error', reject)
})

async function cycles (url: string, cycles: number, onCycle: (socket: ClientSocket) => void, t: TestContext & { teardown: (fn: () => unknown) => void }): Promise<void> {
  // autoConnect: false, or the socket on / would send a second CONNECT on its first connect().
  const manager = new Manager(url, { transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false })
  const anchor = manager.socket('/chat').connect()
  t.teardown(() => { anchor.disconnect() })
  await connected(anchor)
  const socket = manager.socket('/')
  for (let i = 0; i < cycles; i++) {
    socket.connect()
    await connected(socket)
    onCycle(socket)
    socket.disconnect()
    // socket.io closes a connection whose CONNECT for a namespace arrives before the server has
    // processed that namespace's DISCONNECT: a round trip on the anchor orders them.
    await anchor.timeout(5000).emitWithAck('room:join', 'sync')
  }
  // Packets of one connection arrive in order: once this is answered, every cycle was counted.
  await anchor.timeout(5000).emitWithAck('room:join', 'done')
}

t.test('10 000 connect/disconnect cycles with random event names leave the number of series fixed past the label limit', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'] })
  const random = (socket: ClientSocket) => { socket.emit(`ev-${randomUUID()}`) }

  // Warm-up: past the label limit (50 names) and through every kind of series the cycles make.
  await Promise.all(Array.from({ length: CLIENTS }, () => cycles(gw.url, 10, random, t)))
  const before = await scrape(gw)
  const seriesBefore = seriesCount(before)

  await Promise.all(Array.from({ length: CLIENTS }, () => cycles(gw.url, CYCLES_PER_CLIENT - 10, random, t)))
  const after = await scrape(gw)
  t.equal(seriesCount(after), seriesBefore, `still ${seriesBefore} series after ${CLIENTS * CYCLES_PER_CLIENT} cycles`)

  const named = after.get('socketgate_events_received_total')!.values.filter((v) => v.labels.namespace === '/')
  t.equal(named.length, 51, '50 event names of their own, and _other')
  t.equal(value(after, 'socketgate_events_received_total', { namespace: '/', event: '_other' }), CLIENTS * CYCLES_PER_CLIENT - 50)
  t.equal(value(after, 'socketgate_socket_connects_total', { namespace: '/' }), CLIENTS * CYCLES_PER_CLIENT)
  t.equal(value(after, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'client namespace disconnect' }), CLIENTS * CYCLES_PER_CLIENT)
  t.equal(value(after, 'socketgate_sockets_connected', { namespace: '/' }), 0)
})

t.test('event names past the configured limit, or too long to be labels, count as _other', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'], metricsEventLabelLimit: 2 })
  await cycles(gw.url, 1, (socket) => {
    // Names repeated in a row too: the table remembers the last name it looked up.
    for (const name of ['a', 'a', 'b', 'c', 'c', 'a', 'x'.repeat(101), 'x'.repeat(101), 'b']) socket.emit(name)
  }, t)
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'a' }), 3)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'b' }), 2)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: '_other' }), 4)
})
