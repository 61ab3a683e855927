// Bounded label values. Everything here decides which strings may become a label, so that no
// client input (event names, namespace names, reasons) can grow the number of series.

/** Socket.IO's disconnect reasons; anything else (a future version's) counts as "other". */
export const DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  'transport error', 'transport close', 'forced close', 'ping timeout', 'parse error',
  'server shutting down', 'forced server close', 'client namespace disconnect', 'server namespace disconnect'
])
export const disconnectReason = (reason: string): string => DISCONNECT_REASONS.has(reason) ? reason : 'other'

/** engine.io's `connection_error` codes (Server.errors), as their messages. */
const HANDSHAKE_ERRORS = ['transport unknown', 'session id unknown', 'bad handshake method', 'bad request', 'forbidden', 'unsupported protocol version']
export const handshakeError = (code: unknown): string => typeof code === 'number' && HANDSHAKE_ERRORS[code] !== undefined ? HANDSHAKE_ERRORS[code] : 'other'

/** Event names longer than this are never labels: a label is not a place for payloads. */
const MAX_EVENT_NAME = 100
export const OTHER_EVENT = '_other'
const UNSEEN = Symbol('unseen')

/**
 * Per namespace: the first `limit` distinct event names each get their own slot, every later
 * name shares the `_other` slot. A name is looked up once per event (one Map get, none when it
 * repeats the last one); the slot then holds the series objects, so counting is a field increment.
 */
export class EventTable<S> {
  readonly #slots = new Map<string, S>()
  #other?: S
  // The last name looked up and its slot: events of one name often follow each other, and
  // comparing two short strings costs less than the Map get it saves (bench/RESULTS.md).
  #lastName: unknown = UNSEEN
  #lastSlot?: S

  constructor (private readonly limit: number, private readonly create: (event: string) => S) {}

  slot (event: unknown): S {
    if (event === this.#lastName) return this.#lastSlot!
    const found = this.#find(event)
    this.#lastName = event
    this.#lastSlot = found
    return found
  }

  #find (event: unknown): S {
    if (typeof event === 'string') {
      const found = this.#slots.get(event)
      if (found !== undefined) return found
      if (this.#slots.size < this.limit && event.length <= MAX_EVENT_NAME && event !== OTHER_EVENT) {
        const created = this.create(event)
        this.#slots.set(event, created)
        return created
      }
    }
    this.#other ??= this.create(OTHER_EVENT)
    return this.#other
  }
}
