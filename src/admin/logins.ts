// admin-ui checks the password in a namespace middleware of its own and tells nobody when it
// refuses one. Rather than check the password a second time, the gateway wraps that middleware
// as instrument() installs it and observes its verdict.
import type { Namespace, Socket } from 'socket.io'

type Middleware = Parameters<Namespace['use']>[0]

/** True when the handshake offered a user name or password (not just a session id). */
export function offeredCredentials (socket: Socket): boolean {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined
  return auth?.username !== undefined || auth?.password !== undefined
}

/**
 * Runs `install` (which calls `nsp.use`) with every middleware it adds wrapped so that a refusal
 * calls `onRefused`. `nsp.use` is shadowed only for the duration of the synchronous call.
 */
export function observeRefusals (nsp: Namespace, install: () => void, onRefused: (socket: Socket, err: Error) => void): void {
  const use = nsp.use
  nsp.use = function (fn: Middleware) {
    return use.call(this, (socket, next) => {
      fn(socket, (err) => {
        if (err) onRefused(socket, err)
        next(err)
      })
    })
  }
  try {
    install()
  } finally {
    // Back to the prototype's method.
    delete (nsp as { use?: unknown }).use
  }
}
