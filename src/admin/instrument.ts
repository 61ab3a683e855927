// ADMIN_MODE=development: admin-ui's own server, `instrument()`, for local debugging. It copies
// every event of every client, payload included, to the admin namespace, wraps socket.data in
// proxies and sends the full socket list at login (docs/admin-ui.md). The gateway's login
// (logins.ts) stands in front of it; admin-ui gets `auth: false`. Its stats timer and async
// listener are contained (src/internals/admin-ui.ts says how and why).
import { instrument } from '@socket.io/admin-ui'
import type { Server } from 'socket.io'
import { containInstrument } from '../internals/admin-ui.js'

export type InstrumentOptions = Parameters<typeof instrument>[1] & { namespaceName: string }

export interface InstrumentHooks {
  /** admin-ui's own code failed; the UI update it was serving is lost, nothing else. */
  onFailure: (err: unknown) => void
}

export interface Instrumented {
  /** The timers admin-ui started (its stats emitter). */
  timers: NodeJS.Timeout[]
  /** Stops them; for the app's onClose. */
  stop: () => void
}

type Listener = (...args: unknown[]) => unknown

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function'

function containListener (listener: Listener, hooks: InstrumentHooks): Listener {
  return (...args) => {
    const result = listener(...args)
    if (isThenable(result)) result.then(undefined, hooks.onFailure)
  }
}

export function instrumentAdmin (io: Server, options: InstrumentOptions, hooks: InstrumentHooks): Instrumented {
  const { timers } = containInstrument(io.of(options.namespaceName), () => { instrument(io, options) }, (fn) => containListener(fn, hooks))
  return { timers, stop: () => { for (const timer of timers) clearInterval(timer) } }
}
