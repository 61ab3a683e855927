// The shapes recovery reads and writes: Socket.IO packets, the adapter's broadcast options and a
// recoverable session (socket.io-adapter's own, as stored in memory or in Redis).

/** A Socket.IO packet as the adapter sees it (`data` holds the event name and its arguments). */
export interface Packet { type: number, nsp?: string, data?: unknown[], id?: number }

export interface PacketOptions {
  preEncoded: boolean
  volatile?: boolean
  compress?: boolean
  wsPreEncodedFrame?: unknown
}

/** Rooms a broadcast went to or skipped (arrays once stored in Redis, sets in memory). */
export interface Audience { rooms: Iterable<string>, except?: Iterable<string> }

export interface Session { sid: string, pid: string, rooms: string[], data: unknown }

/** What Socket.IO builds a recovered socket from. */
export interface RestoredSession extends Session { missedPackets: unknown[][] }

/** Why a resume did or did not get its session back: the `reason` label of the recoveries counter. */
export const RECOVERED_REASONS = ['resumed', 'taken_over'] as const
export const NOT_RECOVERED_REASONS = ['unknown_session', 'expired', 'offset_too_old', 'token_expired', 'unavailable'] as const
export type RecoveryReason = typeof RECOVERED_REASONS[number] | typeof NOT_RECOVERED_REASONS[number]

/** A resume refused for `reason`; Socket.IO then starts a new session for the client. */
export class NotRecovered extends Error {
  constructor (readonly reason: RecoveryReason, message: string) {
    super(message)
  }
}

/** Whether a broadcast to `audience` reaches a socket in `rooms` (socket.io-adapter's rule). */
export function reaches (audience: Audience, rooms: readonly string[]): boolean {
  const to = [...audience.rooms]
  const included = to.length === 0 || rooms.some((room) => to.includes(room))
  const except = [...(audience.except ?? [])]
  return included && rooms.every((room) => !except.includes(room))
}
