// A cluster node's recoverable sessions (in Redis, under the adapter's session key prefix) and
// the broadcasts to replay (the adapter's Redis stream, REDIS_STREAM_MAX_LEN entries). The
// streams adapter's own restoreSession answers "not found" for every failure and replays the
// packets it reads before the socket can receive live ones; this one says why a resume failed,
// and hands the end of its replay to delivery.ts, which fills the gap up to the socket's join.
import { decode } from '@msgpack/msgpack'
import type { RedisClient } from '../cluster/redis.js'
import type { Delivered } from './delivery.js'
import type { SessionStore } from './local-store.js'
import { NotRecovered, reaches, type Audience, type Packet, type Session } from './types.js'

/** Stream entries read per XRANGE, and how many reads one replay may take. */
const PAGE = 1000
const MAX_PAGES = 100
/** How long delivered packets stay in memory for a resumed socket's catch-up (it takes milliseconds). */
const RECENT_MS = 5000

const STREAM_ID = /^(\d+)-(\d+)$/

/** Orders two stream ids ("<ms>-<seq>"). */
export function compareIds (a: string, b: string): number {
  const [, am = '0', as = '0'] = STREAM_ID.exec(a) ?? []
  const [, bm = '0', bs = '0'] = STREAM_ID.exec(b) ?? []
  return Number(am) - Number(bm) || Number(as) - Number(bs)
}

const nextId = (id: string): string => {
  const [, ms, seq] = STREAM_ID.exec(id)!
  return `${ms}-${Number(seq) + 1}`
}

interface Broadcast { packet: Packet, requestId?: string, opts: Audience & { flags?: { volatile?: boolean } } }

/** The adapter's stream entry data: JSON, or base64 msgpack when it held binary. */
function decodeData (raw: string): Broadcast {
  return (raw.startsWith('{') ? JSON.parse(raw) : decode(Buffer.from(raw, 'base64'))) as Broadcast
}

/** Bounds a Redis command the handshake waits on (REDIS_TIMEOUT_MS), or refuses it while Redis is down. */
export type Guard = <T>(command: string, reply: () => Promise<T>) => Promise<T>

export class StreamSessionStore implements SessionStore, Delivered {
  readonly withOffset = new WeakSet<Packet>()
  readonly #recent: Array<{ offset: string, data: unknown[], audience: Audience, at: number }> = []
  readonly #client: RedisClient
  readonly #keyPrefix: string
  readonly #stream: string
  readonly #nsp: string
  readonly #guard: Guard

  constructor (client: RedisClient, keyPrefix: string, stream: string, nsp: string, guard: Guard = (_c, reply) => reply()) {
    this.#client = client
    this.#keyPrefix = keyPrefix
    this.#stream = stream
    this.#nsp = nsp
    this.#guard = guard
  }

  async takeSession (pid: string): Promise<Session & { live?: boolean }> {
    const raw = await this.#redis('GETDEL', () => this.#client.getDel(this.#keyPrefix + pid))
    // Redis forgets an expired key: expired and never-known look the same here.
    if (raw === null) throw new NotRecovered('unknown_session', 'no session in Redis under this pid')
    return decode(Buffer.from(raw, 'base64')) as Session & { live?: boolean }
  }

  async missedSince (offset: string, rooms: string[]): Promise<{ packets: unknown[][], upTo?: string }> {
    if (!STREAM_ID.test(offset)) throw new NotRecovered('unknown_session', 'the offset is not a stream id')
    const [first] = await this.#redis('XRANGE', () => this.#client.xRange(this.#stream, '-', '+', { COUNT: 1 }))
    // Trimming (REDIS_STREAM_MAX_LEN) removes the oldest entries: every entry after the offset is
    // still there when the offset is not older than the first one.
    if (first === undefined || compareIds(offset, first.id) < 0) {
      throw new NotRecovered('offset_too_old', 'the stream no longer holds the entries after the offset')
    }
    const packets: unknown[][] = []
    let upTo = offset
    for (let page = 0; page < MAX_PAGES; page++) {
      const entries = await this.#redis('XRANGE', () => this.#client.xRange(this.#stream, nextId(upTo), '+', { COUNT: PAGE }))
      for (const { id, message } of entries) {
        upTo = id
        if (message.nsp !== this.#nsp || message.type !== '3' || message.data === undefined) continue
        const { packet, requestId, opts } = decodeData(message.data)
        if (requestId !== undefined || opts.flags?.volatile !== undefined || packet.type !== 2 || !packet.data) continue
        if (reaches(opts, rooms)) packets.push([...packet.data, id])
      }
      if (entries.length < PAGE) return { packets, upTo }
    }
    throw new NotRecovered('offset_too_old', `more than ${PAGE * MAX_PAGES} entries to replay`)
  }

  /** A failed or timed-out command ends the resume: the client gets a new session rather than waiting. */
  async #redis<T> (command: string, reply: () => Promise<T>): Promise<T> {
    try {
      return await this.#guard(command, reply)
    } catch (err) {
      throw new NotRecovered('unavailable', `Redis did not answer ${command}: ${(err as Error).message}`)
    }
  }

  record (offset: string, data: unknown[], audience: Audience): void {
    const at = Date.now()
    this.#recent.push({ offset, data, audience: { rooms: [...audience.rooms], except: [...(audience.except ?? [])] }, at })
    // Trimmed in batches: one splice per few hundred broadcasts, not one shift per broadcast.
    if (this.#recent[256] !== undefined && this.#recent[256].at < at - RECENT_MS) {
      let old = 256
      while (old < this.#recent.length && this.#recent[old]!.at < at - RECENT_MS) old++
      this.#recent.splice(0, old)
    }
  }

  after (offset: string, rooms: string[]): unknown[][] {
    // In the order this node delivered them (its own broadcasts and others' may interleave).
    return this.#recent.filter((p) => compareIds(p.offset, offset) > 0 && reaches(p.audience, rooms)).map((p) => p.data)
  }

  compare (a: string, b: string): number {
    return compareIds(a, b)
  }
}
