// A single node's recoverable sessions and recent broadcasts, kept in memory: socket.io-adapter's
// SessionAwareAdapter, with two differences that recovery needs. Its offsets are numbers in
// order (`<epoch>-<n>`), so "every packet after this offset is still here" is one comparison,
// and a resume that fails says why (unknown or expired session, offset too old) instead of null.
// And it keeps a broadcast only while some socket could ask for it later: a connected socket
// with a pid, or a saved session. With CONNECTION_RECOVERY=auto and no client asking, nothing is
// kept (upstream keeps every broadcast for maxDisconnectionDuration whoever is connected).
import { randomBytes } from 'node:crypto'
import { Adapter, type BroadcastOptions } from 'socket.io-adapter'
import { NotRecovered, reaches, type Audience, type Packet, type Session } from './types.js'

/** Where a resume reads its session and its missed packets (this file, or Redis when clustered). */
export interface SessionStore {
  /** Removes and returns the session saved for `pid`; `live` when it was saved while its socket lived. */
  takeSession: (pid: string) => Promise<Session & { live?: boolean }>
  /** Packets after `offset` that reached `rooms`, oldest first, and the offset of the last one looked at. */
  missedSince: (offset: string, rooms: string[]) => Promise<{ packets: unknown[][], upTo?: string }>
  /** Packets the store appended an offset to (the last argument of their data). */
  readonly withOffset: WeakSet<Packet>
}

interface Kept { n: number, data: unknown[], audience: Audience, at: number }

interface RecoveryOptions { maxDisconnectionDuration?: number }

export class LocalSessionAdapter extends Adapter implements SessionStore {
  readonly withOffset = new WeakSet<Packet>()
  readonly #sessions = new Map<string, Session & { savedAt: number }>()
  readonly #kept: Kept[] = []
  /** Connected sockets with a pid: each may resume from any packet sent while it is connected. */
  readonly #resumable = new Set<string>()
  #head = 0
  #next = 0
  // Offsets from an earlier process never match this one's.
  readonly #epoch = randomBytes(3).toString('hex')
  readonly #maxMs: number
  readonly #sweep: NodeJS.Timeout

  constructor (nsp: ConstructorParameters<typeof Adapter>[0]) {
    super(nsp)
    const opts = (nsp.server as unknown as { opts: { connectionStateRecovery?: RecoveryOptions } }).opts
    this.#maxMs = opts.connectionStateRecovery?.maxDisconnectionDuration ?? 120_000
    this.#sweep = setInterval(() => {
      const threshold = Date.now() - this.#maxMs
      this.#forget(threshold)
      for (const [pid, session] of this.#sessions) if (session.savedAt < threshold) this.#sessions.delete(pid)
      // Nobody left who could ask for what is kept.
      if (this.#resumable.size === 0 && this.#sessions.size === 0) this.#forget(Infinity)
    }, Math.min(60_000, this.#maxMs)).unref()
  }

  override close (): void {
    clearInterval(this.#sweep)
  }

  /** Broadcasts kept for resumes now. */
  get buffered (): number {
    return this.#kept.length - this.#head
  }

  override addAll (id: string, rooms: Set<string>): void {
    // Its own room, joined at connect (after CONNECTION_RECOVERY=auto took a plain client's pid).
    if (rooms.has(id) && (this.nsp.sockets.get(id) as { pid?: string } | undefined)?.pid !== undefined) this.#resumable.add(id)
    super.addAll(id, rooms)
  }

  override delAll (id: string): void {
    // Socket.IO saves the session (persistSession) before this: no packet falls between the two.
    this.#resumable.delete(id)
    super.delAll(id)
  }

  override broadcast (packet: Packet, opts: BroadcastOptions): void {
    // As upstream: events without ack and not volatile are kept, the offset as their last
    // argument; but only when a socket could ask for them.
    if (packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined && packet.data &&
      (this.#resumable.size > 0 || this.#sessions.size > 0)) {
      const n = this.#next++
      packet.data.push(`${this.#epoch}-${n}`)
      this.withOffset.add(packet)
      const at = Date.now()
      this.#kept.push({ n, data: packet.data, audience: { rooms: [...opts.rooms], except: [...(opts.except ?? [])] }, at })
      const first = this.#kept[this.#head]
      if (first !== undefined && first.at < at - this.#maxMs) this.#forget(at - this.#maxMs)
    }
    super.broadcast(packet as never, opts)
  }

  override persistSession (session: Session): void {
    this.#sessions.set(session.pid, { ...session, savedAt: Date.now() })
  }

  async takeSession (pid: string): Promise<Session> {
    const session = this.#sessions.get(pid)
    if (session === undefined) throw new NotRecovered('unknown_session', 'no session saved under this pid')
    this.#sessions.delete(pid)
    if (session.savedAt + this.#maxMs < Date.now()) throw new NotRecovered('expired', 'the session was saved longer ago than CONNECTION_RECOVERY_MAX_MS')
    return session
  }

  async missedSince (offset: string, rooms: string[]): Promise<{ packets: unknown[][], upTo?: string }> {
    const n = this.#number(offset)
    if (n === undefined || n >= this.#next) throw new NotRecovered('unknown_session', 'the offset was not given by this process')
    // Every packet after `n` must still be here; packet `n` itself need not be.
    if (n + 1 < (this.#kept[this.#head]?.n ?? this.#next)) throw new NotRecovered('offset_too_old', 'packets after the offset are no longer kept')
    return { packets: this.after(offset, rooms), upTo: `${this.#epoch}-${this.#next - 1}` }
  }

  /** Packets kept after `offset` that reached `rooms` (none for an offset this process did not give). */
  after (offset: string, rooms: string[]): unknown[][] {
    const n = this.#number(offset)
    const packets: unknown[][] = []
    if (n === undefined) return packets
    const first = this.#kept[this.#head]?.n ?? this.#next
    for (let i = this.#head + Math.max(0, n + 1 - first); i < this.#kept.length; i++) {
      const kept = this.#kept[i]!
      if (reaches(kept.audience, rooms)) packets.push(kept.data)
    }
    return packets
  }

  compare (a: string, b: string): number {
    return (this.#number(a) ?? -1) - (this.#number(b) ?? -1)
  }

  #number (offset: string): number | undefined {
    const dash = offset.indexOf('-')
    const n = Number(offset.slice(dash + 1))
    return offset.slice(0, dash) === this.#epoch && Number.isInteger(n) && n >= 0 ? n : undefined
  }

  /** Drops the packets sent before `threshold`. */
  #forget (threshold: number): void {
    while (this.#head < this.#kept.length && this.#kept[this.#head]!.at < threshold) this.#head++
    // Compacted now and then rather than shifted one by one.
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept.splice(0, this.#head)
      this.#head = 0
    }
  }
}
