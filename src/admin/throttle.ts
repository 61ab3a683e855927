// Per-address login throttling with exponential backoff. An address gets a few free wrong
// attempts; after that each wrong one doubles the wait before the next may even be checked, up to
// a ceiling. Only one attempt per address is checked at a time, so one address can never hold more
// than one slot of the password checker. A successful login forgets the address's failures and
// remembers it as an operator's for a week: its next checks jump the queue.

export interface ThrottleOptions {
  /** Wrong attempts an address may make back to back. */
  freeAttempts: number
  /** Wait after the first wrong attempt beyond the free ones; doubles with each further one. */
  backoffMs: number
  /** Longest wait. */
  backoffMaxMs: number
  /** Addresses remembered at most; the least recently seen is forgotten first. @default 10 000 */
  maxAddresses?: number
  /** @default Date.now */
  now?: () => number
}

interface Entry {
  failures: number
  /** No attempt from this address is checked before this time. */
  blockedUntil: number
  lastFailure: number
  checking: boolean
}

/** Addresses remembered as an operator's, and for how long. */
const KNOWN_MAX = 1000
const KNOWN_MS = 7 * 24 * 3600_000

/** How a checked attempt ended; `unchecked` (the checker was busy or failed) costs the address nothing. */
export type Outcome = 'success' | 'failure' | 'unchecked'

export type Admission =
  | { ok: true, release: (outcome: Outcome) => void }
  | { ok: false, reason: 'backoff' | 'in flight', retryAfterMs: number }

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>()
  /** Addresses an operator logged in from, and when last: their checks go first (password-checker.ts). */
  readonly #known = new Map<string, number>()
  readonly #free: number
  readonly #base: number
  readonly #max: number
  readonly #maxAddresses: number
  readonly #now: () => number
  /** An address quiet for this long starts again with its free attempts. */
  readonly #forgetMs: number

  constructor (opts: ThrottleOptions) {
    this.#free = opts.freeAttempts
    this.#base = opts.backoffMs
    this.#max = opts.backoffMaxMs
    this.#maxAddresses = opts.maxAddresses ?? 10_000
    this.#now = opts.now ?? Date.now
    this.#forgetMs = Math.max(2 * this.#max, 15 * 60_000)
  }

  /** Addresses currently remembered (for tests and the bound on memory). */
  get size (): number {
    return this.#entries.size
  }

  /** May an attempt from `address` be checked now? If so, `release` must be called with its outcome. */
  admit (address: string): Admission {
    const now = this.#now()
    let entry = this.#entries.get(address)
    if (entry && !entry.checking && now - entry.lastFailure > this.#forgetMs) {
      this.#entries.delete(address)
      entry = undefined
    }
    if (entry?.checking) return { ok: false, reason: 'in flight', retryAfterMs: 1000 }
    if (entry && now < entry.blockedUntil) return { ok: false, reason: 'backoff', retryAfterMs: entry.blockedUntil - now }
    if (!entry) entry = { failures: 0, blockedUntil: 0, lastFailure: 0, checking: false }
    // Re-inserted: the Map's order is then least recently seen first.
    this.#entries.delete(address)
    this.#entries.set(address, entry)
    this.#evict()
    entry.checking = true
    const held = entry
    let released = false
    return {
      ok: true,
      release: (outcome) => {
        if (released) return
        released = true
        held.checking = false
        if (outcome === 'unchecked') return
        if (outcome === 'success') {
          if (this.#entries.get(address) === held) this.#entries.delete(address)
          this.#known.delete(address)
          this.#known.set(address, this.#now())
          if (this.#known.size > KNOWN_MAX) this.#known.delete(this.#known.keys().next().value!)
          return
        }
        held.failures++
        held.lastFailure = this.#now()
        held.blockedUntil = held.lastFailure + this.waitAfter(held.failures)
      }
    }
  }

  /** Did an operator log in from `address` in the last KNOWN_MS? */
  isKnown (address: string): boolean {
    const at = this.#known.get(address)
    return at !== undefined && this.#now() - at < KNOWN_MS
  }

  /** How long an address waits after its `failures`-th wrong attempt in a row. */
  waitAfter (failures: number): number {
    const beyond = failures - this.#free
    if (beyond <= 0) return 0
    // 2 ** 31 is past any ceiling a setting allows; the exponent is capped before it overflows.
    return Math.min(this.#max, this.#base * 2 ** Math.min(beyond - 1, 31))
  }

  #evict (): void {
    if (this.#entries.size <= this.#maxAddresses) return
    for (const [address, entry] of this.#entries) {
      // An address whose check is running keeps its entry: its release still needs it.
      if (entry.checking) continue
      this.#entries.delete(address)
      if (this.#entries.size <= this.#maxAddresses) return
    }
  }
}
