// ADMIN_MODE=development: admin-ui's own server, `instrument()`, for local debugging. It copies
// every event of every client, payload included, to the admin namespace, wraps socket.data in
// proxies and sends the full socket list at login (docs/admin-ui.md). The gateway's login
// (logins.ts) stands in front of it; admin-ui gets `auth: false`. Contained here, by wrapping what
// it installs during that one synchronous call (nothing else runs meanwhile):
// - its 2 s stats timer is never stopped: a closed gateway would go on emitting and stay in memory;
// - its 'connection' listener is async and its rejections unhandled (a cluster's fetchSockets
//   that times out), which would end the process.
import { instrument } from '@socket.io/admin-ui'
import type { Namespace, Server } from 'socket.io'

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
  const nsp = io.of(options.namespaceName)
  const timers: NodeJS.Timeout[] = []
  const realSetInterval = globalThis.setInterval
  const shadowed = nsp as unknown as { on: (event: string, fn: Listener) => Namespace }
  const { on } = shadowed
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args)
    timers.push(timer)
    return timer
  }) as typeof setInterval
  shadowed.on = (event, fn) => on.call(nsp, event, containListener(fn, hooks))
  try {
    instrument(io, options)
  } finally {
    globalThis.setInterval = realSetInterval
    // Back to the prototype's method.
    delete (shadowed as Partial<typeof shadowed>).on
  }
  return { timers, stop: () => { for (const timer of timers) clearInterval(timer) } }
}
