// Calls admin-ui's instrument() and contains what it would otherwise get wrong, by wrapping what
// it installs during that one synchronous call (nothing else runs meanwhile):
// - its 2 s stats timer is never stopped: a closed gateway would go on emitting and stay in memory;
// - it refuses passwords in a middleware of its own and tells nobody: the refusal is observed
//   there, not checked twice;
// - its middleware and 'connection' listener are async and their rejections unhandled (a session
//   store that fails, a cluster's fetchSockets that times out), which would end the process;
// - each password attempt costs a bcrypt check (0.1-0.4 s of CPU at cost 10-12, on the event
//   loop) and any client may try: a few checks run at once, further attempts are refused.
import { instrument } from '@socket.io/admin-ui'
import type { Namespace, Server, Socket } from 'socket.io'
import { credentialShape, offeredCredentials } from './logins.js'

export type InstrumentOptions = Parameters<typeof instrument>[1] & { namespaceName: string }

export interface InstrumentHooks {
  /** A login refused by admin-ui or by the credential check in front of it. */
  onRefused: (socket: Socket) => void
  /** admin-ui's own code failed; the login or the UI update it was serving is lost, nothing else. */
  onFailure: (err: unknown) => void
}

export interface Instrumented {
  /** The timers admin-ui started (its stats emitter). */
  timers: NodeJS.Timeout[]
  /** Stops them; for the app's onClose. */
  stop: () => void
}

type Middleware = Parameters<Namespace['use']>[0]
type Listener = (...args: unknown[]) => unknown

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function'

function containMiddleware (fn: Middleware, hooks: InstrumentHooks): Middleware {
  return (socket, next) => {
    let settled = false
    const verdict = (err?: Error): void => {
      if (settled) return
      settled = true
      if (err) hooks.onRefused(socket)
      next(err)
    }
    const result: unknown = fn(socket, verdict)
    if (isThenable(result)) {
      result.then(undefined, (err: unknown) => {
        hooks.onFailure(err)
        if (!settled) { settled = true; next(new Error('admin login failed on the server; see its log')) }
      })
    }
  }
}

/** Password checks admin-ui may run at once; more would only starve the gateway's clients. */
export const CONCURRENT_PASSWORD_CHECKS = 2

function limitPasswordChecks (fn: Middleware): Middleware {
  let running = 0
  return (socket, next) => {
    if (!offeredCredentials(socket)) return fn(socket, next)
    if (running >= CONCURRENT_PASSWORD_CHECKS) return next(new Error('too many login attempts at once; try again in a moment'))
    running++
    let released = false
    const release = (): void => { if (!released) { released = true; running-- } }
    const result: unknown = fn(socket, (err) => { release(); next(err) })
    if (isThenable(result)) result.then(release, release)
    return result as ReturnType<Middleware>
  }
}

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
  const shadowed = nsp as unknown as { use: (fn: Middleware) => Namespace, on: (event: string, fn: Listener) => Namespace }
  const { use, on } = shadowed
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args)
    timers.push(timer)
    return timer
  }) as typeof setInterval
  shadowed.use = (fn) => use.call(nsp, containMiddleware(limitPasswordChecks(fn), hooks))
  shadowed.on = (event, fn) => on.call(nsp, event, containListener(fn, hooks))
  try {
    if (options.auth) nsp.use(credentialShape)
    instrument(io, options)
  } finally {
    globalThis.setInterval = realSetInterval
    // Back to the prototype's methods.
    delete (shadowed as Partial<typeof shadowed>).use
    delete (shadowed as Partial<typeof shadowed>).on
  }
  return { timers, stop: () => { for (const timer of timers) clearInterval(timer) } }
}
