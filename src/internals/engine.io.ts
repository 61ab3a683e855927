// engine.io's internals the gateway relies on: the `ws` WebSocket behind a WebSocket transport
// (`transport.socket`, private in engine.io's types). Through it the outbound limit reads the
// bytes ws holds for a client (ws's public `bufferedAmount`), a cut-off client's TCP socket is
// freed at once (ws's public `terminate()`, where engine.io's close waits 30 s for the peer), and
// the partial-frame bound reads what ws's receiver holds (src/internals/ws.ts).
// Checked at start-up by `checkEngineIo` (test/internals/engine.io.test.ts fails when an update
// changes it). Written against engine.io 6.6.
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { transports } from 'engine.io'

/** The parts of a `ws` WebSocket the gateway uses (all public ws API but `_receiver`, see internals/ws.ts). */
export interface WebSocketLike {
  readonly bufferedAmount: number
  terminate: () => void
  _receiver?: unknown
  _socket?: unknown
}

interface TransportLike { name: string, socket?: unknown }

let shapeOk = true

/** The ws WebSocket of an engine.io WebSocket transport; undefined for polling (or when the shape changed). */
export function webSocketOf (transport: TransportLike): WebSocketLike | undefined {
  if (!shapeOk || transport.name !== 'websocket') return undefined
  const ws = transport.socket as Partial<WebSocketLike> | undefined
  return ws && typeof ws.terminate === 'function' && typeof ws.bufferedAmount === 'number' ? ws as WebSocketLike : undefined
}

/** engine.io's session id (`socket.id`, documented, but private in its types). */
export const connectionId = (conn: object): string => (conn as { id?: string }).id ?? ''

export function engineIoVersion (): string {
  try {
    return (createRequire(import.meta.url)('engine.io/package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/**
 * Builds an engine.io WebSocket transport around a stand-in socket and checks that it keeps it as
 * `socket`. Returns undefined when it does, else what is missing; `webSocketOf` then answers
 * undefined and the limits fall back to the public path (engine.io's own buffer only, closing
 * without freeing the TCP socket at once).
 */
export function checkEngineIo (): string | undefined {
  let problem: string | undefined
  try {
    const stand = new EventEmitter()
    const WebSocketTransport = (transports as unknown as Record<string, new (req: unknown) => TransportLike>).websocket
    if (typeof WebSocketTransport !== 'function') problem = 'engine.io no longer exports transports.websocket'
    else {
      const t = new WebSocketTransport({ _query: { EIO: '4' }, websocket: stand })
      if (t.socket !== stand) problem = 'engine.io\'s WebSocket transport no longer keeps its ws socket as `socket`'
    }
  } catch (err) {
    problem = `building engine.io's WebSocket transport failed: ${(err as Error).message}`
  }
  shapeOk = problem === undefined
  return problem && `engine.io ${engineIoVersion()}: ${problem}`
}
