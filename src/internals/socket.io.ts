// Socket.IO's internals the gateway relies on: `Socket#dispatch`, the method each client event
// goes through after it is decoded and before Socket.IO's middleware runner and the listeners.
// The event rate limit wraps it so that a refused event costs a counter and an ack, not a
// middleware run, a tick and a handler (src/realtime/connections.ts wraps it for the same
// reason). Checked at start-up by `checkSocketIo`; when the shape changed, `interceptEvents`
// falls back to the public `socket.use` middleware (same result, slower refusals).
// test/internals/socket.io.test.ts fails when an update changes it. Written against socket.io 4.8.
import { createRequire } from 'node:module'
import { Socket } from 'socket.io'

/** Returns true to let the event through; `packet` is [event, ...args, ack?]. */
export type EventGate = (packet: unknown[]) => boolean

let shapeOk = true

/** Runs `gate` on every client event of `socket` before Socket.IO does anything else with it. */
export function interceptEvents (socket: Socket, gate: EventGate): void {
  if (shapeOk) {
    const s = socket as unknown as { dispatch: (packet: unknown[]) => void }
    const dispatch = s.dispatch
    s.dispatch = function (packet) {
      if (gate(packet)) dispatch.call(this, packet)
    }
    return
  }
  socket.use((packet, next) => { if (gate(packet)) next() })
}

export function socketIoVersion (): string {
  try {
    return (createRequire(import.meta.url)('socket.io/package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** Undefined when `Socket#onevent` still hands events to `Socket#dispatch`, else what changed. */
export function checkSocketIo (): string | undefined {
  const proto = Socket.prototype as unknown as { dispatch?: unknown, onevent?: unknown }
  let problem: string | undefined
  if (typeof proto.dispatch !== 'function') problem = 'Socket#dispatch is gone'
  else if (typeof proto.onevent !== 'function' || !/this\.dispatch\(/.test(String(proto.onevent))) problem = 'Socket#onevent no longer calls this.dispatch()'
  shapeOk = problem === undefined
  return problem && `socket.io ${socketIoVersion()}: ${problem}`
}
