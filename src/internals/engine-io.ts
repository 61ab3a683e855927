// engine.io internals: a connection's queue of packets not yet sent (`writeBuffer`), the ws
// WebSocket behind a websocket transport (`socket`), and a polling transport's pending close
// (`shouldClose`). None is public API. Each has a fallback on engine.io's public events when
// the shape is gone (see checkEngineIoShapes); src/metrics/engine.ts and src/realtime/
// connections.ts reach them only through here. Written against engine.io 6.6;
// test/internals/engine-io.test.ts fails when an update changes a shape.
import type { EventEmitter } from 'node:events'
import { load, loadFile, problem, sourceHas, type ShapeProblem } from './resolve.js'

interface EngineIoModule { Socket: { prototype: { sendPacket?: unknown, flush?: unknown } } }
interface WebSocketModule { WebSocket: unknown }
interface PollingModule { Polling: { prototype: { doClose?: unknown, send?: unknown } } }

export interface EngineIoShapes {
  /** `socket.writeBuffer`: the packets created and not yet flushed to the transport. */
  writeBuffer: boolean
  /** A websocket transport's `socket`: the ws WebSocket. */
  transportSocket: boolean
  /** A polling transport's `shouldClose`: the close it delivers with its next poll. */
  shouldClose: boolean
}

export function checkEngineIoShapes (): { shapes: EngineIoShapes, problems: ShapeProblem[] } {
  const eio = load<EngineIoModule>('engine.io')
  const { WebSocket } = loadFile<WebSocketModule>('engine.io', './transports/websocket.js')
  const { Polling } = loadFile<PollingModule>('engine.io', './transports/polling.js')
  const shapes: EngineIoShapes = {
    writeBuffer: sourceHas(eio.Socket.prototype.sendPacket, 'this.writeBuffer.push(') && sourceHas(eio.Socket.prototype.flush, 'this.emit("flush", this.writeBuffer)'),
    transportSocket: sourceHas(WebSocket, 'this.socket = '),
    shouldClose: sourceHas(Polling.prototype.doClose, 'this.shouldClose = ') && sourceHas(Polling.prototype.send, 'this.shouldClose()')
  }
  const problems: ShapeProblem[] = []
  if (!shapes.writeBuffer) problems.push(problem('engine.io', 'Socket#writeBuffer', 'unsent packets are counted from the public "packetCreate" and "flush" events'))
  if (!shapes.transportSocket) problems.push(problem('engine.io', 'WebSocket transport#socket', 'WebSocket packets and bytes are counted from the public "packet" and "flush" events'))
  if (!shapes.shouldClose) problems.push(problem('engine.io', 'Polling transport#shouldClose', 'a drain or close leaves polling clients to engine.io\'s own close timer (up to 30 s)'))
  return { shapes, problems }
}

interface Conn extends EventEmitter { writeBuffer?: unknown[] }

/**
 * How many packets each connection has waiting for its transport: engine.io's own queue, or
 * (without it) a count kept from its public events, which every connection then pays for.
 */
export class OutboundQueues {
  readonly #counts: WeakMap<object, number> | undefined

  constructor (engine: EventEmitter, shapes: Pick<EngineIoShapes, 'writeBuffer'>) {
    if (shapes.writeBuffer) return
    const counts = this.#counts = new WeakMap()
    engine.on('connection', (conn: Conn) => {
      counts.set(conn, 0)
      conn.on('packetCreate', () => { counts.set(conn, (counts.get(conn) ?? 0) + 1) })
      conn.on('flush', (packets: unknown[]) => { counts.set(conn, Math.max(0, (counts.get(conn) ?? 0) - packets.length)) })
    })
  }

  length (conn: object): number {
    return this.#counts ? this.#counts.get(conn) ?? 0 : (conn as Conn).writeBuffer?.length ?? 0
  }
}

/** The ws WebSocket of a websocket transport (undefined for other transports or without the shape). */
export function websocketOf (transport: { name: string }, shapes: Pick<EngineIoShapes, 'transportSocket'>): unknown {
  return shapes.transportSocket && transport.name === 'websocket' ? (transport as { socket?: unknown }).socket : undefined
}

/**
 * Ends a polling transport's wait to deliver an orderly close with its next poll: engine.io's
 * `close(true)` does not cut it short (a 30 s timer). A no-op on other transports.
 */
export function closePollingNow (transport: object): void {
  const close = (transport as { shouldClose?: unknown }).shouldClose
  if (typeof close === 'function') (close as () => void).call(transport)
}

/** A connection's session id: engine.io's documented `socket.id`, which its typings mark private. */
export const connectionId = (conn: object): string => (conn as { id?: string }).id ?? ''
