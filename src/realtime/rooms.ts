// Which rooms a socket may name and join.

const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/
// Socket.IO puts every socket in a room named after its id (20 base64url characters from random
// bytes); joining such a room would deliver that socket's private messages to someone else, on
// any node of a cluster. Names of that shape with an upper-case letter are refused: a random id
// lacks one with odds of 3 in 100 000, while names people choose (`team-red-engineering`) do
// not have one. `isSocketId` closes the remaining gap for the sockets of this node.
const SOCKET_ID = /^(?=[^A-Z]*[A-Z])[A-Za-z0-9_-]{20}$/

/** Why a room name is refused, or undefined when it is acceptable. */
export function roomNameProblem (room: unknown, isSocketId?: (room: string) => boolean): string | undefined {
  if (typeof room !== 'string') return `room must be a string, got ${room === null ? 'null' : typeof room}`
  if (!ROOM_NAME.test(room)) return `room "${room.slice(0, 80)}" is not valid; expected 1 to 64 letters, digits, _ . : -`
  if (SOCKET_ID.test(room) || isSocketId?.(room)) return `room "${room}" is reserved (it has the shape of a socket id)`
  return undefined
}

/**
 * `*` matches any run of characters; everything else is literal. A two-pointer scan rather than a
 * RegExp: `^a.*a.*a.*…b$` backtracks exponentially (8 stars against a 64-character room blocked
 * the event loop for 9 s), and the room name is the client's to choose.
 */
function globMatch (pattern: string, text: string): boolean {
  let p = 0
  let t = 0
  let star = -1
  let mark = 0
  while (t < text.length) {
    if (pattern[p] === '*') {
      star = p++
      mark = t
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++
      t++
    } else if (star !== -1) {
      p = star + 1
      t = ++mark
    } else {
      return false
    }
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

/** With no patterns (no `rooms` claim) every room is allowed. */
export function roomAllowed (patterns: readonly string[] | undefined, room: string): boolean {
  return patterns === undefined || patterns.some((p) => globMatch(p, room))
}
