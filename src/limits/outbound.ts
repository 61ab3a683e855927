// The slow-consumer cap: what the gateway holds for one client and has not yet handed to the
// kernel, in bytes, over both transports: the packets in engine.io's write buffer (a WebSocket
// client that stops reading, a polling client that stops polling) plus what ws holds above the
// kernel's buffer (its `bufferedAmount`). Past the cap the connection is cut off at once, its
// buffers freed. Like the slow_clients gauge (src/metrics/engine.ts), it works from engine.io's
// `packetCreate` and `flush` events, so the cost is an addition per packet and nothing per scrape.
//
// And a heartbeat that only counts when asked for: engine.io takes any pong, asked for or not,
// as a sign of life (and postpones its next ping), so a client that never reads can stay
// connected by sending pongs on a timer. A pong that answers no ping cuts the connection off.
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io'
import { connectionId, websocketOf, type EngineIoShapes } from '../internals/engine-io.js'
import type { LimitReport } from './report.js'

interface Packet { type: string, data?: unknown }
interface Transport { name: string }

/** What the limits use of a `ws` WebSocket: public ws API, reached through engine.io's transport (src/internals). */
export interface WebSocketLike { readonly bufferedAmount: number, terminate: () => void, _receiver?: unknown }

export type TransportShapes = Pick<EngineIoShapes, 'transportSocket'>

export function webSocketOf (transport: Transport, shapes: TransportShapes): WebSocketLike | undefined {
  const ws = websocketOf(transport, shapes) as Partial<WebSocketLike> | undefined
  return typeof ws?.terminate === 'function' && typeof ws.bufferedAmount === 'number' ? ws as WebSocketLike : undefined
}

/** What a queued packet costs besides its data: the packet and options objects, the array slot. */
export const PACKET_OVERHEAD = 64

/** Characters for text (one byte each in V8 for ASCII), bytes for binary. */
function packetSize (packet: Packet): number {
  const data = packet.data
  if (typeof data === 'string') return PACKET_OVERHEAD + data.length
  if (data === undefined) return PACKET_OVERHEAD
  return PACKET_OVERHEAD + ((data as ArrayBufferLike).byteLength ?? 0)
}

/** Ends `conn` now and frees its TCP socket (engine.io's own close lets ws wait 30 s for the peer). */
export function cutOff (conn: EngineSocket, shapes: TransportShapes): void {
  const ws = webSocketOf(conn.transport as unknown as Transport, shapes)
  conn.close(true)
  ws?.terminate()
}

/** Where a connection's state hangs on its engine.io socket. */
const STATE: unique symbol = Symbol('socketgate.outboundLimit')
type Conn = EngineSocket & { [STATE]?: Outbound }

/**
 * One connection's count. The listeners below are shared by every connection (they find this
 * object on the socket they are called on), so an idle connection costs this object and a
 * property, not four closures and their context.
 */
class Outbound {
  queued = 0
  pingOutstanding = false
  done = false
  constructor (readonly limit: OutboundLimit, public ws: WebSocketLike | undefined) {}
}

function packetCreated (this: Conn, packet: Packet): void {
  const s = this[STATE]!
  if (packet.type === 'ping') s.pingOutstanding = true
  s.queued += packetSize(packet)
  if (s.done) return
  const held = s.ws === undefined ? s.queued : s.queued + s.ws.bufferedAmount
  if (held <= s.limit.maxBytes) return
  s.done = true
  s.limit.overflowed(this, held)
}

/** The write buffer went to the transport: from here ws's bufferedAmount (or the kernel) has it. */
function flushed (conn: Conn): void {
  const s = conn[STATE]
  if (s) s.queued = 0
}

function packetReceived (this: Conn, packet: Packet): void {
  const s = this[STATE]!
  s.limit.received?.(this)
  if (packet.type !== 'pong') return
  if (s.pingOutstanding) {
    s.pingOutstanding = false
    return
  }
  if (s.done) return
  s.done = true
  s.limit.unsolicitedPong(this)
}

function upgraded (this: Conn, transport: Transport): void {
  const s = this[STATE]!
  s.ws = webSocketOf(transport, s.limit.shapes)
}

export class OutboundLimit {
  /**
   * Told of every packet a connection receives, from this limit's own "packet" listener: the
   * partial-message watch counts there, so a connection has one such listener, not two (each
   * more makes engine.io's emit copy the listener array for every packet).
   */
  received: ((conn: EngineSocket) => void) | undefined = undefined

  constructor (readonly maxBytes: number, private readonly report: LimitReport, private readonly address: (conn: EngineSocket) => string, readonly shapes: TransportShapes) {}

  attach (engine: EngineServer): void {
    // Each event name a connection listens to grows its listener dictionary: "flush" is taken
    // from the server (engine.io emits it there too), "upgrade" only off WebSocket.
    engine.on('flush', flushed)
    engine.on('connection', (conn: Conn) => {
      const ws = webSocketOf(conn.transport as unknown as Transport, this.shapes)
      conn[STATE] = new Outbound(this, ws)
      conn.on('packetCreate', packetCreated)
      conn.on('packet', packetReceived)
      if (ws === undefined) conn.on('upgrade', upgraded)
    })
  }

  overflowed (conn: EngineSocket, held: number): void {
    this.report('outbound_buffer', { sid: connectionId(conn), address: this.address(conn), transport: conn.transport.name, bytes: held, max: this.maxBytes },
      'slow consumer cut off: more bytes waiting for it than OUTBOUND_BUFFER_MAX_BYTES')
    cutOff(conn, this.shapes)
  }

  unsolicitedPong (conn: EngineSocket): void {
    this.report('unsolicited_pong', { sid: connectionId(conn), address: this.address(conn), transport: conn.transport.name },
      'connection cut off: a pong that answered no ping')
    // After engine.io has handled this pong, so that its close also clears the timer the pong re-armed.
    process.nextTick(cutOff, conn, this.shapes)
  }
}
