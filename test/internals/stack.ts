// Shared by test/internals/*.test.ts: the gateway's instrumentation on a bare Socket.IO server
// with chosen internals (a shape set to false takes the public fallback, as it would after an
// upstream update removed it), and one traffic run whose every byte a raw client knows.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type Socket } from 'socket.io'
import type { Test } from 'tap'
import { checkInternals, type InternalShapes } from '../../src/internals/index.js'
import { GatewayMetrics } from '../../src/metrics/index.js'
import { Connections } from '../../src/realtime/connections.js'
import { RawClient, histogramCount, scrape, value, type Scrape } from '../metrics/helpers.js'
import type { GatewayServer } from '../../src/plugins/socket-io.js'

export type ShapeOverrides = { [K in keyof InternalShapes]?: Partial<InternalShapes[K]> }

/** The installed shapes, with `overrides` forced. */
export function shapesWith (overrides: ShapeOverrides = {}): InternalShapes {
  const { shapes } = checkInternals()
  return {
    ws: { ...shapes.ws, ...overrides.ws },
    engineIo: { ...shapes.engineIo, ...overrides.engineIo },
    socketIo: { ...shapes.socketIo, ...overrides.socketIo },
    adapterDelivery: overrides.adapterDelivery ?? shapes.adapterDelivery
  }
}

export interface Stack { io: Server, connections: Connections, metrics: GatewayMetrics, url: string, scrape: () => Promise<Scrape> }

/** Socket.IO on node:http, instrumented as the gateway does it, echoing `echo` and joining rooms on `join`. */
export async function startStack (t: Test, overrides: ShapeOverrides = {}): Promise<Stack> {
  const http = createServer()
  const io = new Server(http)
  const connections = new Connections(io as unknown as GatewayServer, http, shapesWith(overrides))
  const metrics = new GatewayMetrics(io, connections, {
    prefix: 'socketgate_', eventLabelLimit: 50, latencyBuckets: [0.01, 1], connectionBuckets: [1, 60], roomSizeBuckets: [1, 10], slowClientPackets: 100
  })
  io.on('connection', (socket: Socket) => {
    socket.on('echo', (m: unknown, ack: (r: unknown) => void) => { ack(m) })
    socket.on('join', (room: string, ack: (r: unknown) => void) => {
      void socket.join(room)
      ack({ ok: true })
    })
  })
  await new Promise<void>((resolve) => { http.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => new Promise((resolve) => { io.close(() => resolve(undefined)) }))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return { io, connections, metrics, url, scrape: async () => scrape({ app: { metrics: { registry: metrics.registry } } } as never) }
}

/**
 * Echoes (text with multi-byte UTF-8 and binary), a room broadcast, and a server emit with an
 * ack, over a raw WebSocket; returns the client, whose counts are the truth.
 */
export async function trafficRun (t: Test, stack: Stack): Promise<RawClient> {
  const raw = await RawClient.open(stack.url)
  t.teardown(() => raw.ws.terminate())
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  for (let i = 0; i < 5; i++) {
    raw.send(`42${i}["echo","héllo ✓ ${i}"]`)
    await raw.next((m) => m.startsWith(`43${i}[`))
  }
  raw.send('451-8["echo",{"_placeholder":true,"num":0}]')
  raw.send(Buffer.alloc(1000, 7))
  await raw.next((m) => m.startsWith('461-8['))
  await raw.next((m) => m === '')
  raw.send('426["join","r1"]')
  await raw.next((m) => m.startsWith('436['))
  stack.io.to('r1').emit('news', 'x'.repeat(300))
  await raw.next((m) => m.startsWith('42["news"'))
  const [socket] = stack.io.of('/').sockets.values()
  socket!.timeout(2000).emit('ask', 1, () => {})
  const ask = await raw.next((m) => m.startsWith('420["ask"'))
  raw.send('430' + ask.slice(ask.indexOf('[')).replace('"ask",1', '"fine"'))
  // The ack travels back before this resolves: one round trip on the same socket.
  raw.send('427["echo","last"]')
  await raw.next((m) => m.startsWith('437['))
  return raw
}

/** Every counter of a traffic run equals what the raw client counted, or what it did. */
export async function assertExact (t: Test, stack: Stack, raw: RawClient): Promise<void> {
  const s = await stack.scrape()
  const ws = { transport: 'websocket' }
  const v = (name: string, labels: Record<string, string> = {}) => value(s, name, labels)
  t.equal(v('socketgate_engine_bytes_received_total', ws), raw.bytesOut, 'bytes received')
  t.equal(v('socketgate_engine_packets_received_total', ws), raw.packetsOut, 'packets received')
  t.equal(v('socketgate_engine_bytes_sent_total', ws), raw.bytesIn, 'bytes sent')
  t.equal(v('socketgate_engine_packets_sent_total', ws), raw.packetsIn, 'packets sent')
  t.equal(v('socketgate_events_received_total', { namespace: '/', event: 'echo' }), 7, 'echo events received')
  t.equal(v('socketgate_events_received_total', { namespace: '/', event: 'join' }), 1, 'join events received')
  t.equal(v('socketgate_events_sent_total', { namespace: '/', event: 'news' }), 1, 'news sent')
  t.equal(v('socketgate_events_sent_total', { namespace: '/', event: 'ask' }), 1, 'ask sent')
  t.equal(v('socketgate_broadcasts_total', { namespace: '/' }), 1, 'broadcasts')
  t.equal(v('socketgate_broadcast_recipients_total', { namespace: '/' }), 1, 'recipients')
  t.equal(histogramCount(s, 'socketgate_event_handler_duration_seconds', { namespace: '/', event: 'echo' }), 7, 'echo acks timed')
  t.equal(histogramCount(s, 'socketgate_server_ack_rtt_seconds', { namespace: '/' }), 1, 'server ack round trips')
  t.equal(v('socketgate_server_ack_timeouts_total', { namespace: '/' }), 0, 'no ack timed out')
}
