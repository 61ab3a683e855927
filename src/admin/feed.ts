// Live updates for operators, in admin-ui's protocol: sockets connecting and disconnecting, rooms
// joined and left. Only while an operator is connected somewhere (Presence); otherwise each hook
// returns after one check. Updates are gathered for FLUSH_MS and sent as one batch, so a burst of
// connections costs one cluster message, not one per socket; a socket is described when the batch
// leaves, by which time a polling client has usually upgraded.
import type { Namespace, Socket } from 'socket.io'
import type { Presence } from './presence.js'
import { summarize, type SocketSummary, type Summarizer } from './snapshot.js'

export const FLUSH_MS = 250
/** Updates held for one batch at most; beyond, they are dropped and counted. */
export const MAX_PENDING = 10_000

/** One admin-ui event, as the UI receives it: name, then arguments (timestamps as ISO strings). */
export type LiveEvent =
  | ['socket_connected', SocketSummary, string]
  | ['socket_disconnected', string, string, string, string]
  | ['room_joined' | 'room_left', string, string, string, string]

type Pending =
  | { kind: 'connected', socket: Socket, at: number }
  | { kind: 'disconnected', nsp: string, id: string, reason: string, at: number }
  | { kind: 'room_joined' | 'room_left', nsp: string, room: string, id: string, at: number }

export interface FeedOptions {
  presence: Presence
  summarizer: Summarizer
  /** Receives every batch: to this node's operators and, when others watch, to the cluster. */
  deliver: (batch: LiveEvent[]) => void
}

export class Feed {
  #pending: Pending[] = []
  #timer: NodeJS.Timeout | undefined
  readonly #observed = new WeakSet<Namespace>()
  /** Updates dropped because a batch was full. */
  dropped = 0

  constructor (private readonly opts: FeedOptions) {}

  observe (nsp: Namespace): void {
    if (this.#observed.has(nsp)) return
    this.#observed.add(nsp)
    const name = nsp.name
    // One listener function for every socket (EventEmitter calls it with the socket as `this`).
    const feed = this
    const onDisconnect = function (this: Socket, reason: string): void {
      feed.#push({ kind: 'disconnected', nsp: name, id: this.id, reason, at: Date.now() })
    }
    nsp.on('connection', (socket: Socket) => {
      socket.on('disconnect', onDisconnect)
      this.#push({ kind: 'connected', socket, at: Date.now() })
    })
    nsp.adapter.on('join-room', (room: string, id: string) => { this.#push({ kind: 'room_joined', nsp: name, room, id, at: Date.now() }) })
    nsp.adapter.on('leave-room', (room: string, id: string) => { this.#push({ kind: 'room_left', nsp: name, room, id, at: Date.now() }) })
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pending = []
  }

  #push (update: Pending): void {
    if (!this.opts.presence.active()) return
    if (this.#pending.length >= MAX_PENDING) {
      this.dropped++
      return
    }
    this.#pending.push(update)
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => { this.flush() }, FLUSH_MS)
      this.#timer.unref()
    }
  }

  /** Sends what was gathered (a test may call it instead of waiting). */
  flush (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const pending = this.#pending
    this.#pending = []
    const batch = compile(pending, this.opts.summarizer)
    if (batch.length > 0) this.opts.deliver(batch)
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * A socket that connected in this batch is described as it is now, rooms included: its room
 * updates from the same batch would repeat them (and the UI would count it twice in a room), and
 * if it is already gone the operator never needs to hear of it.
 */
function compile (pending: Pending[], summarizer: Summarizer): LiveEvent[] {
  const arrived = new Set<string>()
  for (const p of pending) if (p.kind === 'connected') arrived.add(p.socket.id)
  const batch: LiveEvent[] = []
  for (const p of pending) {
    if (p.kind === 'connected') {
      if (p.socket.connected) batch.push(['socket_connected', summarize(p.socket, p.socket.nsp.name, summarizer), iso(p.at)])
    } else if (arrived.has(p.id)) {
      continue
    } else if (p.kind === 'disconnected') {
      batch.push(['socket_disconnected', p.nsp, p.id, p.reason, iso(p.at)])
    } else {
      batch.push([p.kind, p.nsp, p.room, p.id, iso(p.at)])
    }
  }
  return batch
}
