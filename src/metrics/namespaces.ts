// One state object per namespace label, holding the series of that namespace so that the hot
// path never builds a label set. Dynamic namespaces (io.of(/regex/) or io.of(fn)) fold into
// their parent's label, so a namespace per tenant does not make a series per tenant.
import { performance } from 'node:perf_hooks'
import type { Namespace, Server } from 'socket.io'
import { namespacesOf, parentNameOf } from '../internals/socket-io.js'
import type { AckedEvent } from '../realtime/connections.js'
import { SocketErrorCode } from '../errors.js'
import type { Catalog } from './catalog.js'
import type { CounterSeries, HistogramSeries } from './families.js'
import { CONNECT_ERROR_REASONS, DISCONNECT_REASONS, EventTable, OTHER_EVENT, disconnectReason } from './labels.js'

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(SocketErrorCode))
/** The codes an ack of the chat protocol can carry ({ ok: false }), and the fallback: refusal reasons made at 0. */
const ACK_CODES = [
  SocketErrorCode.InvalidPayload, SocketErrorCode.InvalidRoom, SocketErrorCode.RoomForbidden,
  SocketErrorCode.NotInRoom, SocketErrorCode.TooManyRooms, SocketErrorCode.Unavailable, 'other',
  // What the event rate limit reports (src/plugins/event-limits.ts).
  'rate limited'
]

/**
 * Event names whose series exist from start-up in every namespace: the chat protocol's and the
 * operator's (METRICS_EVENTS). `acked` ones also get their handler histogram and error counter.
 */
export interface DeclaredEvents {
  received: readonly string[]
  acked: readonly string[]
  sent: readonly string[]
}

/** The series of one event name in one namespace; also where its acks are timed. */
export class EventSlot implements AckedEvent {
  // Each series is created on first use: a name only ever sent gets no "received" series.
  #received?: CounterSeries
  #sent?: CounterSeries
  #handler?: HistogramSeries
  #errors?: CounterSeries

  /** Kept as a field, not looked up: the ack path reads it for every acked event. */
  readonly timed: boolean

  constructor (private readonly ns: NamespaceState, readonly event: string) {
    this.timed = ns.catalog.handler !== undefined
  }

  /** Makes the series of a declared event at 0, so its first occurrence shows in rate(). */
  declare (received: boolean, acked: boolean, sent: boolean): void {
    const { catalog, label } = this.ns
    if (received) this.#received ??= catalog.received.series(label, this.event)
    if (acked) {
      this.#errors ??= catalog.eventErrors.series(label, this.event)
      if (catalog.handler) this.#handler ??= catalog.handler.series(label, this.event)
    }
    if (sent) this.#sent ??= catalog.sent.series(label, this.event)
  }

  /** A client event refused without an ack to carry the refusal: counted as an { ok: false } ack would be. */
  rejected (code: string): void {
    (this.#errors ??= this.ns.catalog.eventErrors.series(this.ns.label, this.event)).value++
    this.ns.refused(KNOWN_CODES.has(code) ? code : 'other').inc()
  }

  received (): void {
    (this.#received ??= this.ns.catalog.received.series(this.ns.label, this.event)).value++
  }

  sent (): void {
    (this.#sent ??= this.ns.catalog.sent.series(this.ns.label, this.event)).value++
  }

  acked (receivedAt: number, response: unknown): void {
    if (this.timed) {
      this.#handler ??= this.ns.catalog.handler!.series(this.ns.label, this.event)
      this.#handler.observe((performance.now() - receivedAt) / 1000)
    }
    if (typeof response === 'object' && response !== null && (response as { ok?: unknown }).ok === false) {
      const code = (response as { error?: { code?: unknown } }).error?.code
      ;(this.#errors ??= this.ns.catalog.eventErrors.series(this.ns.label, this.event)).value++
      this.ns.refused(typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'other').inc()
    }
  }
}

export class NamespaceState {
  readonly events: EventTable<EventSlot>
  readonly connects: CounterSeries
  readonly broadcasts: CounterSeries
  readonly recipients: CounterSeries
  readonly deliveriesLocal: CounterSeries
  readonly deliveriesRemote: CounterSeries
  readonly fanout: HistogramSeries
  readonly publishHandoff: HistogramSeries
  readonly ackRtt: HistogramSeries
  readonly ackTimeouts: CounterSeries
  readonly roomJoins: CounterSeries
  readonly roomLeaves: CounterSeries
  /** Rooms of this namespace by size bucket (not cumulative); index = bucket of `roomSizeBounds`. */
  readonly roomsBySize: Float64Array
  readonly #disconnects = new Map<string, CounterSeries>()
  readonly #refused = new Map<string, CounterSeries>()

  constructor (readonly catalog: Catalog, readonly label: string, eventLimit: number, readonly roomSizeBounds: readonly number[], declared: DeclaredEvents = { received: [], acked: [], sent: [] }) {
    const received = new Set(declared.received)
    const acked = new Set(declared.acked)
    const sent = new Set(declared.sent)
    this.events = new EventTable(eventLimit, (event) => new EventSlot(this, event), [...received, ...acked, ...sent])
    // `_other` too: the first unknown name past the limit must show in rate().
    for (const slot of this.events.slots) {
      const other = slot.event === OTHER_EVENT
      slot.declare(other || received.has(slot.event), acked.has(slot.event), other || sent.has(slot.event))
    }
    this.connects = catalog.connects.series(label)
    this.broadcasts = catalog.broadcasts.series(label)
    this.recipients = catalog.recipients.series(label)
    this.deliveriesLocal = catalog.deliveries.series(label, 'local')
    this.deliveriesRemote = catalog.deliveries.series(label, 'remote')
    this.fanout = catalog.fanout.series(label)
    this.publishHandoff = catalog.publishHandoff.series(label)
    this.ackRtt = catalog.ackRtt.series(label)
    this.ackTimeouts = catalog.ackTimeouts.series(label)
    this.roomJoins = catalog.roomJoins.series(label)
    this.roomLeaves = catalog.roomLeaves.series(label)
    this.roomsBySize = new Float64Array(roomSizeBounds.length + 1)
    // Every closed label set at 0 from start-up: rate() cannot see a series' first increment.
    for (const reason of [...DISCONNECT_REASONS, 'other']) this.disconnect(reason)
    for (const reason of ACK_CODES) this.refused(reason)
    for (const reason of CONNECT_ERROR_REASONS) catalog.connectErrors.series(label, reason)
  }

  disconnect (reason: string): CounterSeries {
    const r = disconnectReason(reason)
    let s = this.#disconnects.get(r)
    if (!s) this.#disconnects.set(r, s = this.catalog.disconnects.series(this.label, r))
    return s
  }

  refused (reason: string): CounterSeries {
    let s = this.#refused.get(reason)
    if (!s) this.#refused.set(reason, s = this.catalog.refused.series(this.label, reason))
    return s
  }

  /** A room of this namespace went from `from` to `to` sockets (0: it does not exist). */
  roomResized (from: number, to: number): void {
    const a = from === 0 ? -1 : bucketOf(this.roomSizeBounds, from)
    const b = to === 0 ? -1 : bucketOf(this.roomSizeBounds, to)
    if (a === b) return
    if (a >= 0) this.roomsBySize[a]!--
    if (b >= 0) this.roomsBySize[b]!++
  }
}

function bucketOf (bounds: readonly number[], value: number): number {
  let i = 0
  while (i < bounds.length && value > bounds[i]!) i++
  return i
}

/** Finds the state of a namespace: its own, or its dynamic parent's. */
export class NamespaceStates {
  readonly #byLabel = new Map<string, NamespaceState>()
  readonly #byNamespace = new WeakMap<Namespace, NamespaceState>()

  /** `excluded`: namespaces kept out of every namespace-level series (the admin UI's own). */
  constructor (private readonly io: Server, private readonly make: (label: string) => NamespaceState, private readonly excluded: ReadonlySet<string> = new Set()) {}

  /** Whether `nsp` (by name) has series at all. */
  counts (nsp: { name: string }): boolean {
    return !this.excluded.has(nsp.name)
  }

  of (nsp: Namespace): NamespaceState {
    let state = this.#byNamespace.get(nsp)
    if (!state) {
      const label = this.labelOf(nsp)
      state = this.#byLabel.get(label)
      if (!state) this.#byLabel.set(label, state = this.make(label))
      this.#byNamespace.set(nsp, state)
    }
    return state
  }

  /** For a namespace name, if this node serves it. */
  named (name: string): NamespaceState | undefined {
    if (this.excluded.has(name)) return undefined
    const nsp = namespacesOf(this.io).get(name)
    return nsp ? this.of(nsp) : undefined
  }

  all (): IterableIterator<NamespaceState> {
    return this.#byLabel.values()
  }

  private labelOf (nsp: Namespace): string {
    return parentNameOf(this.io, nsp) ?? nsp.name
  }
}
