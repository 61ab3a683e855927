import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Manager, type Socket as ClientSocket } from 'socket.io-client'
import { startGateway, type TestContext } from '../../src/testing.js'
import { scrape, seriesCount, seriesNames, value } from './helpers.js'

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
  // Each anchor sends 1 000 events in a few seconds, past the default event rate (100/s, burst
  // 200) on a fast machine: this test is about series, not limits (test/limits/events.test.ts).
  const gw = await startGateway(t, { namespaces: ['/chat'], eventRate: 100_000, eventBurst: 100_000 })
  const random = (socket: ClientSocket) => { socket.emit(`ev-${randomUUID()}`) }

  // Warm-up: past the label limit (50 names) and through every kind of series the cycles make.
  await Promise.all(Array.from({ length: CLIENTS }, () => cycles(gw.url, 10, random, t)))
  const before = await scrape(gw)
  const seriesBefore = seriesCount(before)

  await Promise.all(Array.from({ length: CLIENTS }, () => cycles(gw.url, CYCLES_PER_CLIENT - 10, random, t)))
  const after = await scrape(gw)
  t.equal(seriesCount(after), seriesBefore, `still ${seriesBefore} series after ${CLIENTS * CYCLES_PER_CLIENT} cycles`)
  t.same(seriesNames(after), seriesNames(before), 'the same series, by name and labels')

  // The limit of 50 holds the chat protocol's 6 event names (3 received; message:new, auth:expired
  // and, with CONNECTION_RECOVERY's default auto, session:ready sent) and 44 others.
  const named = after.get('socketgate_events_received_total')!.values.filter((v) => v.labels.namespace === '/')
  t.equal(named.length, 3 + 44 + 1, 'the protocol\'s 3 client events, 44 names of their own, and _other')
  t.equal(value(after, 'socketgate_events_received_total', { namespace: '/', event: '_other' }), CLIENTS * CYCLES_PER_CLIENT - 44)
  t.equal(value(after, 'socketgate_socket_connects_total', { namespace: '/' }), CLIENTS * CYCLES_PER_CLIENT)
  t.equal(value(after, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'client namespace disconnect' }), CLIENTS * CYCLES_PER_CLIENT)
  t.equal(value(after, 'socketgate_sockets_connected', { namespace: '/' }), 0)
})

t.test('event names past the configured limit, or too long to be labels, count as _other', async (t) => {
  // The chat protocol's 5 names take 5 of the 7: two are left for others.
  const gw = await startGateway(t, { namespaces: ['/chat'], metricsEventLabelLimit: 7, connectionRecovery: false })
  await cycles(gw.url, 1, (socket) => {
    // Names repeated in a row too: the table remembers the last name it looked up.
    for (const name of ['a', 'a', 'b', 'c', 'c', 'a', 'x'.repeat(101), 'x'.repeat(101), 'b']) socket.emit(name)
  }, t)
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'a' }), 3)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'b' }), 2)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: '_other' }), 4)
})

t.test('the protocol\'s and declared events keep their labels whatever clients send first', async (t) => {
  // A restart, then a client sending junk names first: they fill the 2 free slots and then
  // _other, never the declared names' series.
  const gw = await startGateway(t, { namespaces: ['/chat'], metricsEventLabelLimit: 7, metricsEvents: 'poll:vote', connectionRecovery: false })
  await cycles(gw.url, 1, (socket) => {
    for (let i = 0; i < 20; i++) socket.emit(`junk-${i}`)
    socket.emit('poll:vote')
    socket.emit('message:send', { content: 'still mine' })
  }, t)
  const s = await scrape(gw)
  const names = s.get('socketgate_events_received_total')!.values.filter((v) => v.labels.namespace === '/').map((v) => v.labels.event).sort()
  // Declared: room:join, room:leave, message:send, message:new, auth:expired, poll:vote (6 of 7): one slot is left.
  t.same(names, ['_other', 'junk-0', 'message:send', 'poll:vote', 'room:join', 'room:leave'])
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'message:send' }), 1)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'poll:vote' }), 1)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: '_other' }), 19)
})

t.test('label values are valid UTF-8 and never empty: one label set is one series', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'] })
  await cycles(gw.url, 1, (socket) => {
    // A lone surrogate (JSON carries it as \ud800) and the character an encoder replaces it with.
    socket.emit('x\uD800y')
    socket.emit('x\uFFFDy')
    socket.emit('x\uD800y')
    socket.emit('')
    socket.emit('_empty')
  }, t)
  const s = await scrape(gw)
  const events = s.get('socketgate_events_received_total')!.values.filter((v) => v.labels.namespace === '/')
  const labels = events.map((v) => String(v.labels.event))
  t.equal(new Set(labels).size, labels.length, 'no label value twice')
  for (const label of labels) {
    t.ok(label !== '' && (label as unknown as { isWellFormed: () => boolean }).isWellFormed(), `"${label}" is non-empty, valid UTF-8`)
  }
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'x\uFFFDy' }), 3)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: '_empty' }), 2)
  const res = await fetch(`${gw.url}/metrics`)
  const text = await res.text()
  t.ok(text.includes('event="x\uFFFDy"'), 'written as U+FFFD in the exposition')
  t.notOk(text.includes('event=""'), 'no empty event label')
})
