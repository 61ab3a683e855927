// Seeded generators of hostile engine.io/Socket.IO input, shared by test/fuzz.test.ts (a few
// thousand cases in CI) and bench/fuzz.ts (as many as asked). The same seed gives the same cases.

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Rand = ReturnType<typeof prng>
const int = (r: Rand, n: number): number => Math.floor(r() * n)
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!

/** One frame for the attacker's connection: text or binary (a binary one sent as text is invalid UTF-8). */
export interface Frame { data: string | Buffer, binary: boolean }
export interface Case { kind: string, frames: Frame[] }

const text = (data: string): Frame => ({ data, binary: false })
const EVENTS = ['message:send', 'room:join', 'room:leave', 'x', '', 'connect', 'disconnect', '__proto__', 'constructor']
const NAMESPACES = ['', '/chat', '/nope', '/admin', '/' + 'n'.repeat(300), '/../..']

function json (r: Rand, depth = 0): string {
  const k = int(r, depth > 3 ? 4 : 7)
  switch (k) {
    case 0: return String(int(r, 1e6) * (r() < 0.5 ? -1 : 1))
    case 1: return JSON.stringify('s'.repeat(int(r, 40)))
    case 2: return pick(r, ['null', 'true', 'false', '1e309', '-0', '"\\ud800"'])
    case 3: return '{"content":' + JSON.stringify('hi '.repeat(int(r, 5) + 1)) + (r() < 0.5 ? ',"room":"chat-general"' : '') + '}'
    case 4: return '[' + Array.from({ length: int(r, 4) }, () => json(r, depth + 1)).join(',') + ']'
    case 5: return '{' + Array.from({ length: int(r, 4) }, (_, i) => `"k${i}":${json(r, depth + 1)}`).join(',') + '}'
    default: return '{"_placeholder":true,"num":' + int(r, 8) + '}'
  }
}

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n)

/** A plausible Socket.IO packet, as an engine.io message ("4" + packet). */
function socketIoPacket (r: Rand): string {
  const type = int(r, 7)
  const attachments = type === 5 || type === 6 || r() < 0.1 ? `${int(r, 5)}-` : ''
  const nsp = pick(r, NAMESPACES)
  const ack = r() < 0.4 ? String(int(r, 1e9)) : ''
  const args = [JSON.stringify(pick(r, EVENTS)), ...Array.from({ length: int(r, 3) }, () => json(r))]
  const body = type === 0 ? (r() < 0.5 ? json(r) : '') : type === 1 ? '' : '[' + args.join(',') + ']'
  return `4${type}${attachments}${nsp}${nsp ? ',' : ''}${ack}${body}`
}

function mutate (r: Rand, s: string): string {
  const chars = [...s]
  for (let i = int(r, 4) + 1; i > 0; i--) {
    const at = int(r, chars.length + 1)
    const op = int(r, 3)
    if (op === 0) chars.splice(at, 1)
    else if (op === 1) chars.splice(at, 0, String.fromCharCode(int(r, 0x10000)))
    else chars.splice(at, 0, pick(r, ['[', ']', '{', '}', '"', ',', '-', '4', '2', '/', '\u0000', '\ud800']))
  }
  return chars.join('')
}

/** The case generators, each named for what it tries; `hugeBytes` stays under the packet limit. */
export function makeCase (r: Rand, hugeBytes: number): Case {
  const kind = pick(r, ['random-bytes', 'random-text', 'engine-type', 'socketio', 'mutated', 'lying-attachments',
    'deep-json', 'huge-string', 'invalid-utf8', 'unknown-namespace', 'stray-ack', 'event-flood'] as const)
  switch (kind) {
    case 'random-bytes':
      return { kind, frames: [{ data: Buffer.from(Array.from({ length: int(r, 64) + 1 }, () => int(r, 256))), binary: true }] }
    case 'random-text':
      return { kind, frames: [text(Array.from({ length: int(r, 64) + 1 }, () => String.fromCharCode(int(r, 0x80))).join(''))] }
    case 'engine-type':
      // engine.io packet types 0-6 (open, close, ping, pong, message, upgrade, noop) and beyond.
      return { kind, frames: [text(String(int(r, 10)) + pick(r, ['', 'probe', json(r), '\u0000']))] }
    case 'socketio':
      return { kind, frames: [text(socketIoPacket(r))] }
    case 'mutated':
      return { kind, frames: [text(mutate(r, pick(r, ['40', '42["message:send",{"content":"hi"}]', '421["room:join","a"]', '41', socketIoPacket(r)])))] }
    case 'lying-attachments': {
      // Says N binary attachments, sends some other number (or text where binary belongs).
      const said = int(r, 4) + 1
      const sent = int(r, 4)
      const frames = [text(`45${said}-["message:send",{"_placeholder":true,"num":${int(r, 6)}}]`)]
      for (let i = 0; i < sent; i++) frames.push(r() < 0.7 ? { data: Buffer.from([int(r, 256), 1, 2]), binary: true } : text('42["x"]'))
      return { kind, frames }
    }
    case 'deep-json':
      // With an ack id mostly, so the gateway's refusal has somewhere to go.
      return { kind, frames: [text(`42${r() < 0.7 ? int(r, 1e6) : ''}["${pick(r, ['message:send', 'room:join', 'x'])}",${deep(int(r, 40_000) + 1000)}]`)] }
    case 'huge-string':
      return { kind, frames: [text(`42["message:send",{"content":"${'a'.repeat(hugeBytes - int(r, 1000))}"}]`)] }
    case 'invalid-utf8':
      return { kind, frames: [{ data: Buffer.from([0x34, 0x32, 0xff, 0xfe, 0xc0, 0x80, int(r, 256)]), binary: false }] }
    case 'unknown-namespace':
      return { kind, frames: [text(`40${pick(r, ['/nope', '/admin', '/chat/x', '/' + 'z'.repeat(int(r, 1000))])},`)] }
    case 'stray-ack':
      // An ack (type 3) for an id the server never issued.
      return { kind, frames: [text(`43${pick(r, ['', '/chat,'])}${int(r, 1e12)}[${json(r)}]`)] }
    case 'event-flood':
      return { kind, frames: Array.from({ length: int(r, 20) + 5 }, () => text(`42${int(r, 1e6)}["x",${json(r)}]`)) }
  }
}
