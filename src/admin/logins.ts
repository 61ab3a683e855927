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
 * Refuses handshakes whose credentials are not strings before admin-ui sees them: admin-ui hands
 * the password to bcrypt unchecked, and `{ username: 'admin' }` alone made bcrypt throw inside an
 * async middleware, an unhandled rejection that ended the process (any client, no password).
 * Same message as admin-ui's refusal, so the UI shows "Invalid credentials".
 */
export const credentialShape: Middleware = (socket, next) => {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined
  const fields = [auth?.username, auth?.password, auth?.sessionId]
  const wellFormed = fields.every((v) => v === undefined || typeof v === 'string') &&
    (auth?.username === undefined || typeof auth.password === 'string')
  next(wellFormed ? undefined : new Error('invalid credentials'))
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
