// The typed contract between clients and the gateway. Clients import these maps (through
// `socketgate/client`) so both sides are checked against the same definitions. Applications that
// add their own events extend the interfaces by declaration merging:
//   declare module 'socketgate' { interface ClientToServerEvents { 'poll:vote': (...) => void } }
import type { SocketErrorCode } from '../errors.js'

export interface AckError {
  ok: false
  /** `retryable`: the same event may succeed if sent again shortly (SG_UNAVAILABLE). */
  error: { code: SocketErrorCode, message: string, retryable?: boolean }
}
/** Every ack the built-in protocol sends: success with optional fields, or a coded error. */
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError

export interface ChatMessage {
  /** UUID assigned by the gateway. */
  id: string
  /** JWT `sub`, or the handshake's `auth.name` (AUTH_MODE=none), or `guest-<id>`. */
  author: string
  content: string
  room: string
  /** Milliseconds since the epoch, gateway clock. */
  timestamp: number
}

export interface SendMessage {
  content: string
  /** Defaults to the gateway's default room (`chat-general`). */
  room?: string
}

export interface ClientToServerEvents {
  'room:join': (room: string, ack: (res: Ack) => void) => void
  'room:leave': (room: string, ack: (res: Ack) => void) => void
  'message:send': (msg: SendMessage, ack?: (res: Ack<{ id: string }>) => void) => void
}

export interface ServerToClientEvents {
  'message:new': (msg: ChatMessage) => void
  /**
   * With CONNECTION_RECOVERY on, sent once to each new (not recovered) socket: it gives the client
   * the offset Socket.IO needs to recover the session should the connection drop before any
   * other event arrived.
   */
  'session:ready': (info: { id: string }) => void
  /** Sent just before the gateway disconnects a socket whose token expired. */
  'auth:expired': (info: { code: SocketErrorCode, message: string }) => void
}

/** Events between gateway nodes (`io.serverSideEmit`); empty until scale-out uses it. */
export interface InterServerEvents {}

/** What the gateway keeps on each socket (`socket.data`); survives connection state recovery. */
export interface SocketData {
  user: {
    /** JWT `sub`, or a name/guest id when AUTH_MODE=none. */
    id: string
    /** Room patterns from the token's `rooms` claim; undefined: any room. */
    rooms?: string[]
    /** Token expiry, seconds since the epoch; undefined: no expiry. */
    exp?: number
  }
}
