// Calls admin-ui's instrument() and keeps hold of what it would otherwise leave behind. admin-ui
// 0.5 starts a 2 s stats timer it never stops, so a closed gateway would go on emitting and stay
// in memory; and it refuses passwords without telling anyone. Both are observed only for the
// duration of the synchronous instrument() call. Malformed credentials never reach it.
import { instrument } from '@socket.io/admin-ui'
import type { Server, Socket } from 'socket.io'
import { credentialShape, observeRefusals } from './logins.js'

export type InstrumentOptions = Parameters<typeof instrument>[1] & { namespaceName: string }

export interface Instrumented {
  /** The timers admin-ui started (its stats emitter). */
  timers: NodeJS.Timeout[]
  /** Stops them; for the app's onClose. */
  stop: () => void
}

export function instrumentAdmin (io: Server, options: InstrumentOptions, onRefused: (socket: Socket) => void): Instrumented {
  const timers: NodeJS.Timeout[] = []
  const realSetInterval = globalThis.setInterval
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args)
    timers.push(timer)
    return timer
  }) as typeof setInterval
  try {
    const nsp = io.of(options.namespaceName)
    observeRefusals(nsp, () => {
      if (options.auth) nsp.use(credentialShape)
      instrument(io, options)
    }, onRefused)
  } finally {
    globalThis.setInterval = realSetInterval
  }
  return { timers, stop: () => { for (const timer of timers) clearInterval(timer) } }
}
