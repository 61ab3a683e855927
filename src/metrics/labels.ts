// Bounded label values. Everything here decides which strings may become a label, so that no
// client input (event names, namespace names, reasons) can grow the number of series.

/** Socket.IO's disconnect reasons; anything else (a future version's) counts as "other". */
export const DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  'transport error', 'transport close', 'forced close', 'ping timeout', 'parse error',
  'server shutting down', 'forced server close', 'client namespace disconnect', 'server namespace disconnect'
])
export const disconnectReason = (reason: string): string => DISCONNECT_REASONS.has(reason) ? reason : 'other'

/** Why a namespace connection was refused (connect_error), as src/metrics/engine.ts classifies it. */
export const CONNECT_ERROR_REASONS = ['auth refused', 'draining', 'middleware error'] as const
/** The label of a connect_error for a namespace this node does not serve. */
export const UNKNOWN_NAMESPACE = { namespace: '_unknown', reason: 'unknown namespace' } as const

/** engine.io's `connection_error` codes (Server.errors), as their messages. */
export const HANDSHAKE_ERRORS = ['transport unknown', 'session id unknown', 'bad handshake method', 'bad request', 'forbidden', 'unsupported protocol version']
export const handshakeError = (code: unknown): string => typeof code === 'number' && HANDSHAKE_ERRORS[code] !== undefined ? HANDSHAKE_ERRORS[code] : 'other'

/** Event names longer than this are never labels: a label is not a place for payloads. */
const MAX_EVENT_NAME = 100
export const OTHER_EVENT = '_other'
/** The label of an empty event name: a label value is never empty (Prometheus drops empty labels). */
export const EMPTY_EVENT = '_empty'
const UNSEEN = Symbol('unseen')

/**
 * The label value of an event name: valid UTF-8 (a lone surrogate becomes U+FFFD, as an encoder
 * would write it, so both spellings are one series) and never empty.
 */
export function eventLabel (name: string): string {
  if (name === '') return EMPTY_EVENT
  // ES2024 string methods (Node 20+); the compiler's lib is ES2023.
  const s = name as unknown as { isWellFormed: () => boolean, toWellFormed: () => string }
  return s.isWellFormed() ? name : s.toWellFormed()
}

/**
 * Per namespace: the declared names (the chat protocol's and METRICS_EVENTS) always have their
 * own slot, made at start so their series exist at 0; other names share the `limit` slots left
 * after them, first come first served, then the `_other` slot. A name is looked up once per
 * event (one Map get, none when it repeats the last one); the slot then holds the series objects,
 * so counting is a field increment.
 */
export class EventTable<S> {
  readonly #slots = new Map<string, S>()
  readonly #other: S
  /** Slots left for names not declared. */
  #free: number
  // The last name looked up and its slot: events of one name often follow each other, and
  // comparing two short strings costs less than the Map get it saves (bench/RESULTS.md).
  #lastName: unknown = UNSEEN
  #lastSlot?: S

  constructor (limit: number, private readonly create: (event: string) => S, declared: Iterable<string> = []) {
    for (const name of declared) {
      const label = eventLabel(name)
      if (!this.#slots.has(label) && label !== OTHER_EVENT) this.#slots.set(label, create(label))
    }
    this.#free = Math.max(0, limit - this.#slots.size)
    this.#other = create(OTHER_EVENT)
  }

  /** Every slot made so far, `_other` included. */
  get slots (): S[] {
    return [...this.#slots.values(), this.#other]
  }

  slot (event: unknown): S {
    if (event === this.#lastName) return this.#lastSlot!
    const found = this.#find(event)
    this.#lastName = event
    this.#lastSlot = found
    return found
  }

  #find (event: unknown): S {
    if (typeof event !== 'string' || event.length > MAX_EVENT_NAME) return this.#other
    const found = this.#slots.get(event)
    if (found !== undefined) return found
    // Not found as it is: it may still be a known name spelled another way ("", a lone surrogate).
    const label = eventLabel(event)
    if (label !== event) {
      const known = this.#slots.get(label)
      if (known !== undefined) return known
    }
    if (this.#free > 0 && label !== OTHER_EVENT) {
      this.#free--
      const created = this.create(label)
      this.#slots.set(label, created)
      return created
    }
    return this.#other
  }
}
