// The slow-consumer cap (OUTBOUND_BUFFER_MAX_BYTES) with real clients: a raw WebSocket client
// that stops reading and a polling client that stops polling are cut off once the gateway holds
// more than the cap for them, the cut is counted, and the gateway's memory stays bounded by
// the caps. A pong that answers no ping (engine.io would take it as a heartbeat) cuts off too.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import WebSocket from 'ws'
import { connectClient, nextEvent, startGateway } from '../../src/testing.js'
import { closed, limitCount, pollingSession, rawSocket } from './helpers.js'

const CAP = 256 * 1024
const PAYLOAD = 'x'.repeat(16 * 1024)

/**
 * Broadcasts PAYLOAD to the default room until `stop()` says so, one per event-loop turn (as
 * broadcasts caused by separate client events come): a burst within one turn is held whole even
 * for a client that reads, since the transport writes once per turn.
 */
async function flood (gw: Awaited<ReturnType<typeof startGateway>>, stop: () => boolean, max = 20_000, onTurn?: () => void): Promise<number> {
  let sent = 0
  while (!stop() && sent < max) {
    onTurn?.()
    gw.io.to('chat-general').emit('message:new', { id: String(sent), author: 'srv', content: PAYLOAD, room: 'chat-general', timestamp: 0 })
    sent++
    await new Promise((resolve) => setImmediate(resolve))
  }
  return sent
}

t.test('a WebSocket client that stops reading is cut off at the cap; a reading neighbour keeps everything', async (t) => {
  const gw = await startGateway(t, { outboundBufferMaxBytes: CAP })
  const { ws } = await rawSocket(t, gw)
  const neighbour = await connectClient(t, gw)
  let got = 0
  neighbour.on('message:new', () => { got++ })
  // Stop reading: the kernel's buffers fill, then ws's and engine.io's.
  ;(ws as unknown as { _socket: { pause: () => void } })._socket.pause()
  let gone = false
  ws.once('close', () => { gone = true })
  const conn = [...gw.app.connections.list()].find((c) => c.transport.name === 'websocket' && gw.io.of('/').sockets.size === 2)
  t.ok(conn, 'the slow connection is open')
  const sent = await flood(gw, () => gw.app.connections.size < 2)
  t.equal(gw.app.connections.size, 1, `the slow client's connection is gone after ${sent} broadcasts of 16 KB`)
  t.equal(await limitCount(gw, 'outbound_buffer'), 1, 'counted as outbound_buffer')
  ;(ws as unknown as { _socket: { resume: () => void } })._socket.resume()
  await closed(ws)
  t.ok(gone, 'the client sees its connection closed')
  // The neighbour was not held back: it receives every broadcast.
  while (got < sent) await nextEvent(neighbour, 'message:new', 5000)
  t.equal(got, sent, 'the neighbour received every broadcast')
  t.equal(gw.io.of('/').sockets.size, 1)
})

t.test('a polling client that stops polling is cut off at the cap', async (t) => {
  const gw = await startGateway(t, { outboundBufferMaxBytes: CAP })
  const session = await pollingSession(gw)
  t.equal(gw.app.connections.size, 1)
  const sent = await flood(gw, () => gw.app.connections.size < 1)
  t.equal(gw.app.connections.size, 0, 'cut off')
  t.ok(sent * PAYLOAD.length <= CAP + PAYLOAD.length * 2, `after at most the cap's worth of broadcasts (${sent})`)
  t.equal(await limitCount(gw, 'outbound_buffer'), 1, 'counted as outbound_buffer')
  const res = await session.poll()
  t.equal(res.status, 400, 'its next poll: the session is unknown')
})

t.test('memory stays bounded by the caps under many slow consumers', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const gw = await startGateway(t, { outboundBufferMaxBytes: CAP })
  const N = 20
  const slow = await Promise.all(Array.from({ length: N }, async () => (await rawSocket(t, gw)).ws))
  for (const ws of slow) (ws as unknown as { _socket: { pause: () => void } })._socket.pause()
  gc()
  const before = process.memoryUsage()
  let peakRss = before.rss
  let peakHeap = before.heapUsed
  // Two seconds of broadcasts: 16 KB each, to every slow consumer; without the cap each would
  // hold all of it. The peak is sampled every turn, while the slow consumers still hold theirs.
  const deadline = Date.now() + 2000
  const sent = await flood(gw, () => Date.now() > deadline, 100_000, () => {
    const m = process.memoryUsage()
    peakRss = Math.max(peakRss, m.rss)
    peakHeap = Math.max(peakHeap, m.heapUsed)
  })
  gc()
  const heldMb = (process.memoryUsage().heapUsed - before.heapUsed) / 2 ** 20
  const grewMb = (peakRss - before.rss) / 2 ** 20
  // Broadcasts share one encoded string across their recipients: uncapped, the slow consumers
  // would hold at least one copy of everything sent.
  const uncappedMb = sent * PAYLOAD.length / 2 ** 20
  t.comment(`${sent} broadcasts; heap held after GC +${heldMb.toFixed(1)} MB; peak rss +${grewMb.toFixed(1)} MB, peak heap +${((peakHeap - before.heapUsed) / 2 ** 20).toFixed(1)} MB; caps total ${(N * CAP / 2 ** 20).toFixed(1)} MB; uncapped they would hold ≥ ${uncappedMb.toFixed(0)} MB`)
  t.equal(gw.app.connections.size, 0, 'every slow consumer was cut off')
  t.equal(await limitCount(gw, 'outbound_buffer'), N, 'each counted once')
  t.ok(uncappedMb > 8 * (N * CAP / 2 ** 20), 'the flood was far larger than the caps')
  // What the gateway keeps: nothing of the flood once its consumers are cut off.
  t.ok(heldMb < 8, `heap held after the flood and a GC: +${heldMb.toFixed(1)} MB`)
  // The peak is the flood's own garbage plus the caps, and V8's and the allocator's appetite for
  // it (+40 to +105 MB seen, Node 22 to 26): an order of magnitude under what uncapped consumers hold.
  t.ok(grewMb < Math.max(160, uncappedMb / 2), `peak rss grew ${grewMb.toFixed(1)} MB`)
})

t.test('a pong that answers no ping cuts the connection off; answered pings keep it', async (t) => {
  const gw = await startGateway(t, { pingIntervalMs: 200, pingTimeoutMs: 1000 })
  const good = await rawSocket(t, gw)
  const { ws } = await rawSocket(t, gw, { answerPings: false })
  ws.send('3')
  await closed(ws, 2000)
  t.equal(await limitCount(gw, 'unsolicited_pong'), 1, 'counted as unsolicited_pong')
  // The good client answers two or more pings meanwhile and stays.
  await new Promise((resolve) => setTimeout(resolve, 600))
  t.equal(good.ws.readyState, WebSocket.OPEN, 'a client answering pings stays connected')
  t.ok(good.messages.filter((m) => m === '2').length >= 2, 'it was pinged')
  t.equal(gw.app.connections.size, 1)
})

t.test('pongs on a timer do not keep a client that never reads alive', async (t) => {
  const gw = await startGateway(t, { pingIntervalMs: 300, pingTimeoutMs: 300 })
  const { ws } = await rawSocket(t, gw, { answerPings: false })
  // A pong every 100 ms, never reading a ping: the first one answers nothing.
  const timer = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.send('3') }, 100)
  t.teardown(() => clearInterval(timer))
  await closed(ws, 3000)
  t.equal(gw.app.connections.size, 0)
})
