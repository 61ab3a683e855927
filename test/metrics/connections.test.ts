import { once } from 'node:events'
import t from 'tap'
import WebSocket from 'ws'
import type { Socket } from 'socket.io'
import { HandshakeError, SocketErrorCode } from '../../src/errors.js'
import { connectClient, startGateway, type TestGateway } from '../../src/testing.js'
import { RawClient, histogramCount, scrape, value } from './helpers.js'

const serverSocket = (gw: TestGateway, id: string | undefined, nsp = '/'): Socket => {
  const socket = gw.io.of(nsp).sockets.get(id!)
  if (!socket) throw new Error(`no server socket ${id}`)
  return socket as unknown as Socket
}

t.test('connects and disconnects count by namespace and reason, and the gauges return to 0', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'] })
  const main = await Promise.all([1, 2, 3].map(() => connectClient(t, gw)))
  const chat = await Promise.all([1, 2].map(() => connectClient(t, gw, { nsp: '/chat' })))

  let s = await scrape(gw)
  t.equal(value(s, 'socketgate_socket_connects_total', { namespace: '/' }), 3)
  t.equal(value(s, 'socketgate_socket_connects_total', { namespace: '/chat' }), 2)
  t.equal(value(s, 'socketgate_sockets_connected', { namespace: '/' }), 3)
  t.equal(value(s, 'socketgate_sockets_connected', { namespace: '/chat' }), 2)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 5)

  const gone = [...main.map((c) => serverSocket(gw, c.id)), ...chat.map((c) => serverSocket(gw, c.id, '/chat'))]
    .map((socket) => Promise.all([once(socket, 'disconnect'), once(socket.conn, 'close')]))
  main[0]!.disconnect() // client namespace disconnect
  serverSocket(gw, main[1]!.id).disconnect(true) // server namespace disconnect
  main[2]!.io.engine.close() // transport close
  chat[0]!.disconnect()
  chat[1]!.disconnect()
  await Promise.all(gone)

  s = await scrape(gw)
  t.equal(value(s, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'client namespace disconnect' }), 1)
  t.equal(value(s, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'server namespace disconnect' }), 1)
  t.equal(value(s, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'transport close' }), 1)
  t.equal(value(s, 'socketgate_socket_disconnects_total', { namespace: '/chat', reason: 'client namespace disconnect' }), 2)
  t.equal(value(s, 'socketgate_sockets_connected', { namespace: '/' }), 0)
  t.equal(value(s, 'socketgate_sockets_connected', { namespace: '/chat' }), 0)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 0)
  t.equal(value(s, 'socketgate_rooms', { namespace: '/' }), 0)
  t.equal(histogramCount(s, 'socketgate_engine_connection_duration_seconds'), 5)
})

t.test('refused connections count by reason: auth refused, unknown namespace', async (t) => {
  const gw = await startGateway(t, {
    authenticate: async ({ auth }) => {
      if (auth.token !== 'good') throw new HandshakeError(SocketErrorCode.AuthInvalid, 'bad token')
      return { id: 'u1' }
    }
  })
  for (let i = 0; i < 3; i++) {
    await t.rejects(connectClient(t, gw, { auth: { token: 'bad' } }), { message: 'bad token', data: { code: 'SG_AUTH_INVALID' } })
  }
  await connectClient(t, gw, { auth: { token: 'good' } })
  await t.rejects(connectClient(t, gw, { nsp: '/nope', auth: { token: 'good' } }), { message: 'Invalid namespace' })

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_socket_connect_errors_total', { namespace: '/', reason: 'auth refused' }), 3)
  t.equal(value(s, 'socketgate_socket_connect_errors_total', { namespace: '_unknown', reason: 'unknown namespace' }), 1)
  t.equal(value(s, 'socketgate_socket_connects_total', { namespace: '/' }), 1)
  const namespaces = new Set(s.get('socketgate_socket_connect_errors_total')!.values.map((v) => v.labels.namespace))
  t.same([...namespaces].sort(), ['/', '_unknown'], 'no series named after the unknown namespace')
})

t.test('engine.io handshake errors count by engine.io error', async (t) => {
  const gw = await startGateway(t)
  const unknownSid = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling&sid=nope`)
  t.equal(unknownSid.status, 400)
  const badTransport = await fetch(`${gw.url}/socket.io/?EIO=4&transport=carrier-pigeon`)
  t.equal(badTransport.status, 400)
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_handshake_errors_total', { reason: 'session id unknown' }), 1)
  t.equal(value(s, 'socketgate_engine_handshake_errors_total', { reason: 'transport unknown' }), 1)
})

t.test('an upgrade from polling moves the connection to the websocket gauge and counts once', async (t) => {
  const gw = await startGateway(t)
  const client = await connectClient(t, gw, { transports: ['polling', 'websocket'] })
  const conn = serverSocket(gw, client.id).conn
  if (conn.transport.name !== 'websocket') await once(conn, 'upgrade')
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_upgrades_total', { transport: 'websocket' }), 1)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 1)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'polling' }), 0)
  t.ok(value(s, 'socketgate_engine_packets_received_total', { transport: 'polling' }) > 0, 'the polling phase is counted under polling')
})

t.test('packets queued while a connection upgrades are counted once, on the transport that carried them', async (t) => {
  const gw = await startGateway(t)
  const base = `${gw.url}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const connected = new Promise<Socket>((resolve) => gw.io.once('connection', (s) => resolve(s as unknown as Socket)))
  await fetch(`${base}&sid=${sid}`, { method: 'POST', body: '40' })
  const socket = await connected
  const answer = await (await fetch(`${base}&sid=${sid}`)).text()
  t.match(answer, /^40\{/)

  const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`)
  t.teardown(() => ws.terminate())
  const frames: Buffer[] = []
  ws.on('message', (data: Buffer) => frames.push(data))
  await once(ws, 'open')
  ws.send('2probe')
  while (frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(frames.shift()!.toString(), '3probe')
  // No poll is waiting: these wait in engine.io's buffer, counted as created, and leave on the
  // WebSocket once the client completes the upgrade.
  for (let i = 0; i < 3; i++) socket.emit('message:new' as never, { i } as never)
  const upgraded = once(socket.conn, 'upgrade')
  ws.send('5')
  await upgraded
  while (frames.length < 3) await new Promise((resolve) => setTimeout(resolve, 5))

  const s = await scrape(gw)
  const received = Buffer.byteLength(open) + Buffer.byteLength(answer) + '3probe'.length + frames.reduce((n, f) => n + f.length, 0)
  const sent = (transport: string): number => value(s, 'socketgate_engine_bytes_sent_total', { transport })
  t.equal(sent('polling') + sent('websocket'), received, 'every byte the client received, once, the probe included')
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'polling' }), 2, 'open and the CONNECT answer')
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'websocket' }), 1 + 3, '3probe and the three queued events')
  t.equal(value(s, 'socketgate_engine_packets_received_total', { transport: 'polling' }), 1, '40')
  t.equal(value(s, 'socketgate_engine_packets_received_total', { transport: 'websocket' }), 2, '2probe and the upgrade packet 5')
  t.equal(value(s, 'socketgate_engine_bytes_received_total', { transport: 'websocket' }), '2probe'.length + '5'.length)
})

t.test('the noop that ends a pending poll during an upgrade, and polling close packets both ways, are counted', async (t) => {
  const gw = await startGateway(t)
  const base = `${gw.url}/socket.io/?EIO=4&transport=polling`
  let received = 0
  const get = async (url: string): Promise<string> => {
    const text = await (await fetch(url)).text()
    received += Buffer.byteLength(text) - (text.split('\x1e').length - 1)
    return text
  }
  const open = await get(base)
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const url = `${base}&sid=${sid}`
  await fetch(url, { method: 'POST', body: '40' })
  t.match(await get(url), /^40\{/)
  // A poll waits; the WebSocket probe makes engine.io end it with a noop ("6").
  const poll = get(url)
  const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`)
  t.teardown(() => ws.terminate())
  await once(ws, 'open')
  const pong = once(ws, 'message')
  ws.send('2probe')
  t.equal(String((await pong)[0]), '3probe')
  t.equal(await poll, '6', 'the pending poll ended with a noop')
  // The client gives up the upgrade and closes the polling transport with a close packet ("1").
  ws.terminate()
  const conn = [...gw.app.connections.list()][0]!
  const closed = once(conn, 'close')
  t.equal((await fetch(url, { method: 'POST', body: '1' })).status, 200)
  await closed

  let s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'polling' }), 3, 'open, the CONNECT answer, the noop')
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'polling' }), received)
  t.equal(value(s, 'socketgate_engine_packets_received_total', { transport: 'polling' }), 2, '40 and the close packet')
  t.equal(value(s, 'socketgate_engine_bytes_received_total', { transport: 'polling' }), 3)

  // The server closing a polling connection whose poll waits: its close packet is in the answer.
  const open2 = await get(base)
  const url2 = `${base}&sid=${(JSON.parse(open2.slice(1)) as { sid: string }).sid}`
  const before = value(s, 'socketgate_engine_packets_sent_total', { transport: 'polling' })
  const pending = get(url2)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const conn2 = gw.app.connections.list().find((c) => c !== conn)!
  conn2.close()
  t.equal(await pending, '1', 'the waiting poll got the close packet')
  s = await scrape(gw)
  t.equal(value(s, 'socketgate_engine_packets_sent_total', { transport: 'polling' }), before + 2, 'open and the close packet')
  t.equal(value(s, 'socketgate_engine_bytes_sent_total', { transport: 'polling' }), received)
})

t.test('recovery attempts count as recovered or not recovered', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const client = await connectClient(t, gw, { reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 })
  // A recoverable session needs one packet with an offset first.
  await client.timeout(2000).emitWithAck('message:send', { content: 'so there is an offset' })
  client.io.engine.close()
  await once(client as unknown as NodeJS.EventEmitter, 'connect')
  t.equal(client.recovered, true)

  // A client asking to recover a session this node never had.
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.terminate())
  raw.send('40{"pid":"no-such-session","offset":"x"}')
  await raw.next((m) => m.startsWith('40{'))

  const s = await scrape(gw)
  const recoveries = (outcome: string, reason: string): number => value(s, 'socketgate_connection_recoveries_total', { namespace: '/', outcome, reason })
  t.equal(recoveries('recovered', 'resumed'), 1)
  t.equal(recoveries('not_recovered', 'unknown_session'), 1)
  for (const [outcome, reason] of [['recovered', 'taken_over'], ['not_recovered', 'expired'], ['not_recovered', 'offset_too_old'], ['not_recovered', 'token_expired'], ['not_recovered', 'unavailable']]) {
    t.equal(s.get('socketgate_connection_recoveries_total')?.values.filter((v) => v.labels.reason === reason && v.labels.outcome === outcome).length, 1, `${reason} exists at 0`)
    t.equal(recoveries(outcome!, reason!), 0)
  }
  t.equal(value(s, 'socketgate_recovery_replayed_packets_total', { namespace: '/' }), 0, 'nothing was sent while the client was away')
  t.equal(value(s, 'socketgate_socket_connects_total', { namespace: '/' }), 3)
  // With recovery on, socket.emit goes through the adapter's broadcast (to keep the packet for a
  // replay): still one direct event, not a broadcast.
  const before = value(s, 'socketgate_broadcasts_total', { namespace: '/' })
  serverSocket(gw, client.id).emit('message:new' as never, {} as never)
  const after = await scrape(gw)
  t.equal(value(after, 'socketgate_broadcasts_total', { namespace: '/' }), before)
  t.equal(value(after, 'socketgate_events_sent_total', { namespace: '/', event: 'message:new' }), value(s, 'socketgate_events_sent_total', { namespace: '/', event: 'message:new' }) + 1)
})

t.test('children of a dynamic namespace count under their parent pattern, not one series each', async (t) => {
  const gw = await startGateway(t)
  gw.io.of(/^\/tenant-\d+$/).on('connection', (socket) => {
    socket.on('ping-me' as never, ((ack: (r: string) => void) => ack('pong')) as never)
  })
  const clients = await Promise.all(['/tenant-1', '/tenant-2', '/tenant-2'].map((nsp) => connectClient(t, gw, { nsp })))
  for (const c of clients) await (c as unknown as { timeout: (ms: number) => { emitWithAck: (ev: string) => Promise<unknown> } }).timeout(2000).emitWithAck('ping-me')

  const s = await scrape(gw)
  const parent = { namespace: '/^\\/tenant-\\d+$/' }
  t.equal(value(s, 'socketgate_socket_connects_total', parent), 3)
  t.equal(value(s, 'socketgate_sockets_connected', parent), 3)
  t.equal(value(s, 'socketgate_events_received_total', { ...parent, event: 'ping-me' }), 3)
  t.equal(histogramCount(s, 'socketgate_event_handler_duration_seconds', { ...parent, event: 'ping-me' }), 3)
  const labels = new Set(s.get('socketgate_socket_connects_total')!.values.map((v) => v.labels.namespace))
  t.notOk(labels.has('/tenant-1') || labels.has('/tenant-2'), 'no series per child namespace')
})

t.test('handshakes refused while draining count as forbidden', async (t) => {
  const gw = await startGateway(t)
  await gw.drain({ windowMs: 0 })
  const res = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)
  t.equal(res.status, 403)
  t.equal(value(await scrape(gw), 'socketgate_engine_handshake_errors_total', { reason: 'forbidden' }), 1)
})
