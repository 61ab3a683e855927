// Who may join the admin namespace: the login middleware, in every ADMIN_MODE. admin-ui's own
// check ran bcrypt on the event loop for any client, answered a wrong user name at once (a user
// name oracle) and could be locked for everyone by eight attempts in flight. Here:
// - a session id from an earlier login is accepted without the password (admin-ui's protocol);
// - an address that keeps failing waits longer and longer before its next attempt is checked
//   (throttle.ts), and only one attempt per address is checked at a time;
// - the password is always checked against the hash, whatever the user name, on a worker thread
//   (password-checker.ts), and only then is the user name compared: a wrong name costs what a
//   wrong password costs, for the attacker and for the response time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Namespace, Socket } from 'socket.io'
import { HandshakeError, SocketErrorCode } from '../errors.js'
import type { AdminAuth } from './credentials.js'
import { CheckerBusy, type PasswordChecker } from './password-checker.js'
import type { LoginThrottle } from './throttle.js'

/** Same shape as admin-ui's InMemoryStore and RedisStore. */
export interface AdminSessionStore {
  doesSessionExist: (sessionId: string) => Promise<boolean>
  saveSession: (sessionId: string) => void
}

export interface LoginOptions {
  auth: AdminAuth
  store: AdminSessionStore
  throttle: LoginThrottle
  checker: PasswordChecker
  /** The client's address as the gateway logs it (TRUST_PROXY aware). */
  address: (socket: Socket) => string
  /** A wrong user name or password. */
  onRefused: (socket: Socket, address: string) => void
  /** Refused before any check: the address must wait, or the checker is full. */
  onThrottled: (socket: Socket, address: string, retryAfterMs: number) => void
  /** The session store failed; the login is refused, nothing else happens. */
  onFailure: (err: unknown) => void
}

/** What the admin UI shows as "Invalid credentials". */
export const INVALID_CREDENTIALS = 'invalid credentials'

/** True when the handshake offered a user name or password (not just a session id). */
export function offeredCredentials (socket: Socket): boolean {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined
  return auth?.username !== undefined || auth?.password !== undefined
}

/** Credentials that are strings where strings are expected (anything else would reach bcrypt). */
function wellFormed (auth: Record<string, unknown> | undefined): boolean {
  const fields = [auth?.username, auth?.password, auth?.sessionId]
  return fields.every((v) => v === undefined || typeof v === 'string') &&
    (auth?.username === undefined || typeof auth.password === 'string')
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

const refused = (): HandshakeError => new HandshakeError(SocketErrorCode.AdminLoginRefused, INVALID_CREDENTIALS)

/** Puts the login in front of every connection to the admin namespace `nsp`. */
export function installLogin (nsp: Namespace, opts: LoginOptions): void {
  const { auth } = opts
  if (auth === false) return
  const username = digest(auth.username)
  const sessions = new WeakMap<Socket, string>()

  const check = async (socket: Socket): Promise<HandshakeError | undefined> => {
    const offered = socket.handshake.auth as Record<string, unknown> | undefined
    if (!wellFormed(offered)) {
      // Counted (someone tried), but not checked: there is nothing bcrypt could compare.
      if (offeredCredentials(socket)) opts.onRefused(socket, opts.address(socket))
      return refused()
    }
    const sessionId = offered?.sessionId
    if (typeof sessionId === 'string' && sessionId !== '' && await opts.store.doesSessionExist(sessionId)) return undefined
    // A stale session id (the UI retries with it after a restart): refused, not counted.
    if (!offeredCredentials(socket)) return refused()

    const address = opts.address(socket)
    const admission = opts.throttle.admit(address)
    if (!admission.ok) {
      opts.onThrottled(socket, address, admission.retryAfterMs)
      const seconds = Math.ceil(admission.retryAfterMs / 1000)
      return new HandshakeError(SocketErrorCode.AdminLoginThrottled, admission.reason === 'in flight'
        ? 'a login from your address is being checked; wait for its answer'
        : `too many wrong logins from your address; try again in ${seconds} s`)
    }
    let matches: boolean
    try {
      matches = await opts.checker.check(offered!.password as string, auth.password, opts.throttle.isKnown(address))
    } catch (err) {
      admission.release('unchecked')
      if (!(err instanceof CheckerBusy)) throw err
      opts.onThrottled(socket, address, 1000)
      return new HandshakeError(SocketErrorCode.AdminLoginThrottled, err.message)
    }
    // After the check, never instead of it: the same work for a wrong name as for a wrong password.
    const nameMatches = timingSafeEqual(digest(String(offered!.username)), username)
    if (!matches || !nameMatches) {
      admission.release('failure')
      opts.onRefused(socket, address)
      return refused()
    }
    admission.release('success')
    const id = randomBytes(16).toString('hex')
    opts.store.saveSession(id)
    sessions.set(socket, id)
    return undefined
  }

  nsp.use((socket, next) => {
    check(socket).then((err) => { next(err) }, (err: unknown) => {
      opts.onFailure(err)
      next(new Error('admin login failed on the server; see its log'))
    })
  })
  // admin-ui sends the session id from its middleware, before CONNECT: the client then emits it
  // before its own "connect" handlers (where the UI listens for it) have run, so the UI never kept
  // it; with connection state recovery on, Socket.IO even drops it (the socket is in no room yet).
  // Sent once connected, it arrives after them.
  nsp.on('connection', (socket) => {
    const id = sessions.get(socket)
    if (id === undefined) return
    sessions.delete(socket)
    socket.emit('session', id)
  })
}
