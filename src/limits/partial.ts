// How long a client may hold a WebSocket message half-sent: ws keeps the bytes of a frame until
// its last one arrives (up to MAX_HTTP_BUFFER_SIZE), so a client sending most of a large frame
// and then nothing holds that memory for as long as its connection lives. A sweep every half
// PARTIAL_MESSAGE_TIMEOUT_MS cuts off a connection whose ws has held bytes of an unfinished
// message, and received no complete packet, for longer than the timeout (so within 1.5× of it).
// Polling bodies are bounded by Node's own `requestTimeout` (set in src/app.ts).
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io'
import { connectionId } from '../internals/engine-io.js'
import { heldBytes } from '../internals/ws.js'
import { cutOff, webSocketOf, type TransportShapes, type WebSocketLike } from './outbound.js'
import type { LimitReport } from './report.js'

/** Where a connection's state hangs on its engine.io socket. */
const STATE: unique symbol = Symbol('socketgate.partialMessages')
type Conn = EngineSocket & { [STATE]?: Watched }

/**
 * One connection's watch. The listeners below are shared by every connection (they find this
 * object on the socket they are called on), so a connection costs this object and a property,
 * not three closures, their context and a `once` wrapper. `ws` is set while on WebSocket.
 */
class Watched {
  ws: WebSocketLike | undefined = undefined
  packets = 0
  seen = 0
  since = 0
  constructor (readonly owner: PartialMessages) {}
}

/** A packet `conn` received (OutboundLimit's "packet" listener calls it: see attach). */
export function packetReceived (conn: EngineSocket): void {
  const w = (conn as Conn)[STATE]
  if (w !== undefined) w.packets++
}

function transportReady (this: Conn, transport: { name: string }): void {
  const w = this[STATE]!
  w.owner.watch(this, w, transport)
}

function closed (this: Conn): void {
  this[STATE]!.owner.forget(this)
}

export class PartialMessages {
  readonly #conns = new Map<EngineSocket, Watched>()
  #timer?: NodeJS.Timeout

  constructor (private readonly timeoutMs: number, private readonly report: LimitReport, private readonly address: (conn: EngineSocket) => string, private readonly shapes: TransportShapes) {}

  attach (engine: EngineServer): void {
    engine.on('connection', (conn: Conn) => {
      const w = new Watched(this)
      conn[STATE] = w
      this.watch(conn, w, conn.transport as unknown as { name: string })
      // A connection already on WebSocket has no upgrade to wait for (and no "upgrade" listener
      // to grow its listener dictionary).
      if (w.ws === undefined) conn.on('upgrade', transportReady)
      // engine.io emits "close" once; a plain listener spares the `once` wrapper.
      conn.on('close', closed)
    })
    this.#timer = setInterval(() => { this.sweep(Date.now()) }, Math.max(50, this.timeoutMs / 2))
    this.#timer.unref()
  }

  /** Watches `conn` from now if `transport` is a WebSocket (at the handshake, or after an upgrade). */
  watch (conn: Conn, w: Watched, transport: { name: string }): void {
    const ws = webSocketOf(transport, this.shapes)
    if (!ws) return
    w.ws = ws
    w.packets = w.seen = w.since = 0
    this.#conns.set(conn, w)
  }

  forget (conn: EngineSocket): void {
    this.#conns.delete(conn)
  }

  close (): void {
    clearInterval(this.#timer)
  }

  /** One pass over the WebSocket connections; public for tests that drive the clock. */
  sweep (now: number): void {
    for (const [conn, w] of this.#conns) {
      const held = heldBytes(w.ws)
      if (held === undefined || held === 0 || w.packets !== w.seen) {
        // Nothing held, or a packet completed since the last pass: a new message may be under way.
        w.seen = w.packets
        w.since = held ? now : 0
        continue
      }
      if (w.since === 0) {
        w.since = now
        continue
      }
      if (now - w.since < this.timeoutMs) continue
      this.#conns.delete(conn)
      this.report('partial_message', { sid: connectionId(conn), address: this.address(conn), bytes: held, heldMs: now - w.since },
        'connection cut off: a WebSocket message left unfinished for longer than PARTIAL_MESSAGE_TIMEOUT_MS')
      cutOff(conn, this.shapes)
    }
  }
}
