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

interface Watched { ws: WebSocketLike, packets: number, seen: number, since: number }

export class PartialMessages {
  readonly #conns = new Map<EngineSocket, Watched>()
  #timer?: NodeJS.Timeout

  constructor (private readonly timeoutMs: number, private readonly report: LimitReport, private readonly address: (conn: EngineSocket) => string, private readonly shapes: TransportShapes) {}

  attach (engine: EngineServer): void {
    engine.on('connection', (conn: EngineSocket) => {
      const watch = (transport: { name: string }): void => {
        const ws = webSocketOf(transport, this.shapes)
        if (!ws) return
        const w: Watched = { ws, packets: 0, seen: 0, since: 0 }
        this.#conns.set(conn, w)
        conn.on('packet', () => { w.packets++ })
      }
      watch(conn.transport as unknown as { name: string })
      conn.on('upgrade', watch)
      conn.once('close', () => { this.#conns.delete(conn) })
    })
    this.#timer = setInterval(() => { this.sweep(Date.now()) }, Math.max(50, this.timeoutMs / 2))
    this.#timer.unref()
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
