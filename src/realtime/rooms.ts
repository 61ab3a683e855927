// Which rooms a socket may name and join.

const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/
// Socket.IO puts every socket in a room named after its id (20 base64url characters); joining
// such a room would deliver that socket's private messages to someone else.
const SOCKET_ID = /^[A-Za-z0-9_-]{20}$/

/** Why a room name is refused, or undefined when it is acceptable. */
export function roomNameProblem (room: unknown): string | undefined {
  if (typeof room !== 'string') return `room must be a string, got ${room === null ? 'null' : typeof room}`
  if (!ROOM_NAME.test(room)) return `room "${room.slice(0, 80)}" is not valid; expected 1 to 64 letters, digits, _ . : -`
  if (SOCKET_ID.test(room)) return `room "${room}" is reserved (it has the shape of a socket id)`
  return undefined
}

const patternCache = new Map<string, RegExp>()

/** `*` matches any run of characters; everything else is literal. */
function compile (pattern: string): RegExp {
  let re = patternCache.get(pattern)
  if (!re) {
    re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')
    if (patternCache.size < 10_000) patternCache.set(pattern, re)
  }
  return re
}

/** With no patterns (no `rooms` claim) every room is allowed. */
export function roomAllowed (patterns: readonly string[] | undefined, room: string): boolean {
  return patterns === undefined || patterns.some((p) => compile(p).test(room))
}
