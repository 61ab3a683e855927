// What the gateway checks of an admin login itself; the password check is admin-ui's (see
// instrument.ts for how its verdict is observed).
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
