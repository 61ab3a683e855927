import { once } from 'node:events'
import t from 'tap'
import type { Socket } from 'socket.io'
import { connectClient, startGateway, type TestGateway } from '../../src/testing.js'
import { RawClient, bucket, histogramCount, scrape, value } from './helpers.js'

const serverSocket = (gw: TestGateway, id: string | undefined, nsp = '/'): Socket => {
  const socket = gw.io.of(nsp).sockets.get(id!)
  if (!socket) throw new Error(`no server socket ${id}`)
  return socket as unknown as Socket
}

t.test('engine.io packets and bytes equal, to the byte, what a raw client sent and received', async (t) => {
  const gw = await startGateway(t)
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.terminate())
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  // Multi-byte UTF-8 content: bytes, not characters, are counted.
  raw.send('421["message:send",{"content":"héllo wörld ✓"}]')
  await raw.next((m) => m.startsWith('431['))
  await raw.next((m) => m.startsWith('42["message:new"'))
  // A binary attachment travels as a raw WebSocket binary frame of exactly its size.
  raw.send('451-["blob",{"_placeholder":true,"num":0}]')
  raw.send(Buffer.alloc(1000, 7))
  raw.send('422["room:join","r1"]')
  await raw.next((m) => m.startsWith('432['))
  // And one the server sends: its placeholder packet, then a binary frame.
  serverSocket(gw, gw.io.of('/').sockets.keys().next().value).emit('blob' as never, Buffer.alloc(300, 1) as never)
  await raw.next((m) => m.startsWith('451-["blob"'))
  await raw.next((m) => m === '')

  const s = await scrape(gw)
  const ws = { transport: 'websocket' }
  t.equal(value(s, 'socketgate_engine_bytes_received_total', ws), raw.bytesOut, 'bytes received')
  t.equal(value(s, 'socketgate_engine_packets_received_total', ws), raw.packetsOut, 'packets received')
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', ws), raw.bytesIn, 'bytes sent (the handshake included)')
  t.equal(value(s, 'socketgate_engine_packets_sent_total', ws), raw.packetsIn, 'packets sent')
  t.equal(value(s, 'socketgate_engine_bytes_received_total', { transport: 'polling' }), 0)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'message:send' }), 1)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'blob' }), 1)
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'room:join' }), 1)
  t.equal(value(s, 'socketgate_events_sent_total', { namespace: '/', event: 'message:new' }), 1)
  t.equal(value(s, 'socketgate_broadcasts_total', { namespace: '/' }), 1)
  t.equal(value(s, 'socketgate_broadcast_recipients_total', { namespace: '/' }), 1)
})

t.test('with permessage-deflate, bytes are still the packets as encoded, not their compressed frames', async (t) => {
  const gw = await startGateway(t, { socketio: { perMessageDeflate: { threshold: 0 } } })
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.terminate())
  t.match(raw.ws.extensions, /permessage-deflate/, 'the client and the server compress')
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  raw.send('420["room:join","z"]')
  await raw.next((m) => m.startsWith('430['))
  gw.io.to('z').emit('message:new', { content: 'z'.repeat(5000) } as never)
  await raw.next((m) => m.startsWith('42["message:new"'))
  serverSocket(gw, gw.io.of('/').sockets.keys().next().value).emit('blob' as never, Buffer.alloc(300, 1) as never)
  await raw.next((m) => m === '')

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'websocket' }), raw.bytesIn, 'bytes sent: what the client received, decompressed')
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'websocket' }), raw.packetsIn)
})

t.test('acks of client events land in the handler-duration bucket their server delay implies', async (t) => {
  const gw = await startGateway(t, { metricsLatencyBuckets: '0.01,0.05,2' })
  gw.io.on('connection', (socket) => {
    (socket as unknown as Socket).on('slow', (ms: number, ack: (r: unknown) => void) => { setTimeout(() => ack({ ok: true }), ms) })
  })
  const client = await connectClient(t, gw)
  const emitter = client as unknown as { timeout: (ms: number) => { emitWithAck: (ev: string, ...a: unknown[]) => Promise<unknown> } }
  for (let i = 0; i < 4; i++) await emitter.timeout(3000).emitWithAck('slow', 60)
  await client.timeout(2000).emitWithAck('room:join', 'r1')

  const s = await scrape(gw)
  const slow = { namespace: '/', event: 'slow' }
  t.equal(bucket(s, 'socketgate_event_handler_duration_seconds', 0.01, slow), 0, 'none faster than 10 ms')
  t.equal(bucket(s, 'socketgate_event_handler_duration_seconds', 0.05, slow), 0, 'none faster than 50 ms (60 ms delay)')
  t.equal(bucket(s, 'socketgate_event_handler_duration_seconds', 2, slow), 4, 'all within 2 s')
  t.equal(histogramCount(s, 'socketgate_event_handler_duration_seconds', slow), 4)
  t.equal(histogramCount(s, 'socketgate_event_handler_duration_seconds', { namespace: '/', event: 'room:join' }), 1)
  t.equal(value(s, 'socketgate_events_received_total', slow), 4)
})

t.test('with METRICS_HANDLER_TIMING=false, acked events are counted, their errors too, but not timed', async (t) => {
  const gw = await startGateway(t, { metricsHandlerTiming: false })
  const client = await connectClient(t, gw)
  t.same(await client.timeout(2000).emitWithAck('room:join', 'r1'), { ok: true })
  await client.timeout(2000).emitWithAck('room:join', '!!')

  const s = await scrape(gw)
  t.notOk(s.has('socketgate_event_handler_duration_seconds'), 'the histogram is left out, not left empty')
  t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'room:join' }), 2)
  t.equal(value(s, 'socketgate_event_errors_total', { namespace: '/', event: 'room:join' }), 1)
  t.equal(value(s, 'socketgate_events_refused_total', { namespace: '/', reason: 'SG_INVALID_ROOM' }), 1)
  t.ok(s.has('socketgate_server_ack_rtt_seconds'), 'the other latency histograms stay')
})

t.test('server-to-client acks are timed, and their timeouts counted', async (t) => {
  const gw = await startGateway(t, { metricsLatencyBuckets: '0.01,0.05,2' })
  const client = await connectClient(t, gw)
  const on = client as unknown as { on: (ev: string, fn: (...a: unknown[]) => void) => void }
  on.on('ask', (cb) => { setTimeout(() => (cb as (r: string) => void)('answer'), 60) })
  const socket = serverSocket(gw, client.id)
  t.equal(await socket.timeout(3000).emitWithAck('ask'), 'answer')
  await t.rejects(socket.timeout(30).emitWithAck('nobody-answers'), { message: 'operation has timed out' })

  const s = await scrape(gw)
  t.equal(bucket(s, 'socketgate_server_ack_rtt_seconds', 0.05, { namespace: '/' }), 0)
  t.equal(bucket(s, 'socketgate_server_ack_rtt_seconds', 2, { namespace: '/' }), 1)
  t.equal(histogramCount(s, 'socketgate_server_ack_rtt_seconds', { namespace: '/' }), 1)
  t.equal(value(s, 'socketgate_server_ack_timeouts_total', { namespace: '/' }), 1)
  t.equal(value(s, 'socketgate_events_sent_total', { namespace: '/', event: 'ask' }), 1)
  t.equal(value(s, 'socketgate_events_sent_total', { namespace: '/', event: 'nobody-answers' }), 1)
  t.equal(value(s, 'socketgate_broadcasts_total', { namespace: '/' }), 0, 'a socket.emit is not a broadcast')
})

t.test('the bytes of a broadcast are counted for each recipient, to the byte, with acks of one length in between', async (t) => {
  // The size of a broadcast's encoded string is computed once and reused for its recipients;
  // this checks that reuse never hands one packet the size of another.
  const gw = await startGateway(t)
  const raws = await Promise.all([0, 1, 2].map(async () => await RawClient.open(gw.url)))
  t.teardown(() => { for (const raw of raws) raw.ws.terminate() })
  for (const raw of raws) {
    raw.send('40')
    await raw.next((m) => m.startsWith('40{'))
    raw.send('420["room:join","bytes"]')
    await raw.next((m) => m.startsWith('430['))
  }
  gw.io.to('bytes').emit('message:new', { content: 'héllo wörld' } as never)
  gw.io.to('bytes').emit('message:new', { content: 'hello world' } as never)
  // Two acks of one length, each to one client, then a broadcast again.
  raws[0]!.send('421["room:join","x1"]')
  await raws[0]!.next((m) => m.startsWith('431['))
  raws[1]!.send('421["room:join","x2"]')
  await raws[1]!.next((m) => m.startsWith('431['))
  gw.io.to('bytes').emit('message:new', { content: 'héllo wörld' } as never)
  for (const raw of raws) {
    for (let i = 0; i < 3; i++) await raw.next((m) => m.startsWith('42["message:new"'))
  }

  const s = await scrape(gw)
  const sent = raws.reduce((sum, raw) => sum + raw.bytesIn, 0)
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'websocket' }), sent, 'bytes sent: what the three clients received')
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'websocket' }), raws.reduce((sum, raw) => sum + raw.packetsIn, 0))
})

t.test('on polling too, the bytes of a broadcast are counted for each recipient, to the byte', async (t) => {
  // Polling measures packets (no frame header to read): the cached size of a broadcast's string
  // must never be handed to another packet of the same length.
  const gw = await startGateway(t)
  const base = `${gw.url}/socket.io/?EIO=4&transport=polling`
  const clients = await Promise.all([0, 1].map(async () => {
    const open = await (await fetch(base)).text()
    const url = `${base}&sid=${(JSON.parse(open.slice(1)) as { sid: string }).sid}`
    await fetch(url, { method: 'POST', body: '40' })
    await fetch(url, { method: 'POST', body: '420["room:join","bytes"]' })
    let received = Buffer.byteLength(open)
    const poll = async (): Promise<string[]> => {
      const packets = (await (await fetch(url)).text()).split('\x1e')
      for (const p of packets) received += Buffer.byteLength(p)
      return packets
    }
    return { url, poll, received: () => received }
  }))
  for (const c of clients) {
    const got: string[] = []
    while (!got.some((p) => p.startsWith('430['))) got.push(...await c.poll())
  }
  gw.io.to('bytes').emit('message:new', { content: 'héllo wörld' } as never)
  gw.io.to('bytes').emit('message:new', { content: 'hello world' } as never)
  await fetch(clients[0]!.url, { method: 'POST', body: '421["room:join","x1"]' })
  gw.io.to('bytes').emit('message:new', { content: 'héllo wörld' } as never)
  // Three broadcasts each, and client 0's ack (of the length of no broadcast) in between.
  for (const [i, c] of clients.entries()) {
    const got: string[] = []
    while (got.filter((p) => p.startsWith('42["message:new"')).length < 3 || (i === 0 && !got.some((p) => p.startsWith('431[')))) got.push(...await c.poll())
  }

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'polling' }), clients[0]!.received() + clients[1]!.received(), 'bytes sent: what the two clients received, without separators')
})

t.test('a broadcast counts once, with its recipients from the room sizes', async (t) => {
  const gw = await startGateway(t)
  const a = await connectClient(t, gw)
  const b = await connectClient(t, gw)
  const c = await connectClient(t, gw)
  await a.timeout(2000).emitWithAck('room:join', 'r2')
  await b.timeout(2000).emitWithAck('room:join', 'r2')
  await c.timeout(2000).emitWithAck('message:send', { content: 'to all three' })
  serverSocket(gw, a.id).broadcast.emit('message:new' as never, {} as never) // everyone but a: 2
  gw.io.to('r2').except(b.id!).emit('message:new', {} as never) // r2 minus b: 1
  gw.io.to(['r2', 'chat-general']).emit('message:new', {} as never) // union: 3

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_broadcasts_total', { namespace: '/' }), 4)
  t.equal(value(s, 'socketgate_broadcast_recipients_total', { namespace: '/' }), 3 + 2 + 1 + 3)
  t.equal(value(s, 'socketgate_events_sent_total', { namespace: '/', event: 'message:new' }), 4)
  t.equal(histogramCount(s, 'socketgate_broadcast_fanout_seconds', { namespace: '/' }), 4)
})

t.test('refused events count by their error code', async (t) => {
  const gw = await startGateway(t)
  const client = await connectClient(t, gw)
  await client.timeout(2000).emitWithAck('room:join', '!!')
  await client.timeout(2000).emitWithAck('room:join', '??')
  await client.timeout(2000).emitWithAck('message:send', { content: '' })
  await client.timeout(2000).emitWithAck('message:send', { content: 'fine' })
  app: {
    const s = await scrape(gw)
    t.equal(value(s, 'socketgate_events_refused_total', { namespace: '/', reason: 'SG_INVALID_ROOM' }), 2)
    t.equal(value(s, 'socketgate_events_refused_total', { namespace: '/', reason: 'SG_INVALID_PAYLOAD' }), 1)
    // And by event, next to what was received: room:join failed 2 of 2, message:send 1 of 2.
    t.equal(value(s, 'socketgate_event_errors_total', { namespace: '/', event: 'room:join' }), 2)
    t.equal(value(s, 'socketgate_event_errors_total', { namespace: '/', event: 'message:send' }), 1)
    t.equal(value(s, 'socketgate_events_received_total', { namespace: '/', event: 'message:send' }), 2)
    break app
  }
  gw.app.metrics.refused('/', 'rate limited')
  t.equal(value(await scrape(gw), 'socketgate_events_refused_total', { namespace: '/', reason: 'rate limited' }), 1)
})

t.test('rooms, joins and room sizes follow the sockets, and every gauge is back to 0 when they leave', async (t) => {
  const gw = await startGateway(t)
  const a = await connectClient(t, gw)
  const b = await connectClient(t, gw)
  await a.timeout(2000).emitWithAck('room:join', 'r1')
  await b.timeout(2000).emitWithAck('room:join', 'r1')
  await a.timeout(2000).emitWithAck('room:join', 'r2')
  await a.timeout(2000).emitWithAck('room:leave', 'r2')
  await b.timeout(2000).emitWithAck('room:join', 'r3')

  let s = await scrape(gw)
  const ns = { namespace: '/' }
  t.equal(value(s, 'socketgate_rooms', ns), 3, 'chat-general, r1, r3')
  t.equal(value(s, 'socketgate_rooms_by_size', { ...ns, max_sockets: '1' }), 1, 'r3')
  t.equal(value(s, 'socketgate_rooms_by_size', { ...ns, max_sockets: '2' }), 3)
  t.equal(value(s, 'socketgate_rooms_by_size', { ...ns, max_sockets: '+Inf' }), 3)
  t.equal(value(s, 'socketgate_room_joins_total', ns), 2 + 4, 'two default rooms, four joins')
  t.equal(value(s, 'socketgate_room_leaves_total', ns), 1)
  t.equal(value(s, 'socketgate_sockets_connected', ns), 2)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 2)

  const gone = [a, b].map((c) => {
    const socket = serverSocket(gw, c.id)
    return Promise.all([once(socket, 'disconnect'), once(socket.conn, 'close')])
  })
  a.disconnect()
  b.disconnect()
  await Promise.all(gone)
  s = await scrape(gw)
  t.equal(value(s, 'socketgate_rooms', ns), 0)
  t.equal(value(s, 'socketgate_rooms_by_size', { ...ns, max_sockets: '+Inf' }), 0)
  t.equal(value(s, 'socketgate_sockets_connected', ns), 0)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 0)
  t.equal(value(s, 'socketgate_slow_clients'), 0)
  t.equal(value(s, 'socketgate_room_leaves_total', ns), 1 + 5, 'leaving on disconnect counts: chat-general twice, r1 twice, r3')
  t.equal(value(s, 'socketgate_socket_disconnects_total', { ...ns, reason: 'client namespace disconnect' }), 2)
  t.equal(histogramCount(s, 'socketgate_engine_connection_duration_seconds'), 2)
})

t.test('a polling client that stops polling counts as slow while its buffer holds packets, and not once it drains', async (t) => {
  const gw = await startGateway(t, { metricsSlowClientPackets: 10 })
  const base = `${gw.url}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const connected = new Promise<Socket>((resolve) => gw.io.once('connection', (s) => resolve(s as unknown as Socket)))
  t.equal((await fetch(`${base}&sid=${sid}`, { method: 'POST', body: '40' })).status, 200)
  // The CONNECT answer waits for the next poll; so does everything else sent to this client.
  const socket = await connected
  for (let i = 0; i < 15; i++) socket.emit('message:new' as never, { i } as never)

  let s = await scrape(gw)
  t.equal(value(s, 'socketgate_slow_clients'), 1)
  t.equal(value(s, 'socketgate_slow_client_buffered_packets'), 16, 'the CONNECT answer and 15 events')
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'polling' }), 1)

  const drained = await (await fetch(`${base}&sid=${sid}`)).text()
  t.equal(drained.split('\x1e').length, 16, 'one poll takes them all')
  s = await scrape(gw)
  t.equal(value(s, 'socketgate_slow_clients'), 0)
  t.equal(value(s, 'socketgate_slow_client_buffered_packets'), 0)
  // Polling carries the same packets; only the separators between them are not counted.
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'polling' }), Buffer.byteLength(open) + Buffer.byteLength(drained) - 15)
})

t.test('a WebSocket client that stops reading counts as slow once the socket backs up, and not once it reads again', async (t) => {
  // 20 packets of 64 KiB held is over the slow-consumer cut-off's default (1 MiB, docs/security.md).
  const gw = await startGateway(t, { metricsSlowClientPackets: 10, outboundBufferMaxBytes: 64 * 2 ** 20 })
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.terminate())
  const connected = new Promise<Socket>((resolve) => gw.io.once('connection', (s) => resolve(s as unknown as Socket)))
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  const socket = await connected
  const tcp = (raw.ws as unknown as { _socket: { pause: () => void, resume: () => void } })._socket
  tcp.pause()

  // 64 KiB events until the kernel's buffers on both ends are full and engine.io holds the rest.
  const conn = socket.conn as unknown as { writeBuffer: unknown[] }
  const event = 'x'.repeat(64 * 1024)
  let sent = 0
  // A burst fills engine.io's buffer for a moment even for a fast client: only what is still
  // there after a pause is a client falling behind.
  // Scraped as it goes: a client caught backing up while engine.io holds few packets must still
  // count once engine.io holds many, although nothing is written to it in between.
  while (conn.writeBuffer.length < 20 && sent < 2000) {
    for (let i = 0; i < 10; i++) socket.emit('message:new' as never, event as never)
    sent += 10
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (conn.writeBuffer.length < 10) await scrape(gw)
  }
  t.ok(conn.writeBuffer.length >= 20, `engine.io holds ${conn.writeBuffer.length} packets after ${sent} events`)
  let s = await scrape(gw)
  t.equal(value(s, 'socketgate_slow_clients'), 1)
  t.equal(value(s, 'socketgate_slow_client_buffered_packets'), conn.writeBuffer.length)

  const received = new Promise<void>((resolve) => {
    let n = 0
    raw.ws.on('message', (data: Buffer) => { if (data.length > 64 * 1024 && ++n === sent) resolve() })
  })
  tcp.resume()
  await received
  s = await scrape(gw)
  t.equal(value(s, 'socketgate_slow_clients'), 0)
  t.equal(value(s, 'socketgate_slow_client_buffered_packets'), 0)
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'websocket' }), raw.packetsIn, 'every packet counted once')
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'websocket' }), raw.bytesIn, 'every byte counted once, 64 KiB frames included')
})
