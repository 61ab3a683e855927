// A log line anyone can trigger (a refused login) at a bounded rate: a few lines per window, then
// silence; the next line after the silence says how many were left out.

export interface SampledLogOptions {
  /** Lines written per window at most. @default 5 */
  perWindow?: number
  /** @default 60 000 */
  windowMs?: number
  /** @default Date.now */
  now?: () => number
}

export class SampledLog {
  readonly #perWindow: number
  readonly #windowMs: number
  readonly #now: () => number
  #windowStart = -Infinity
  #written = 0
  #suppressed = 0

  constructor (opts: SampledLogOptions = {}) {
    this.#perWindow = opts.perWindow ?? 5
    this.#windowMs = opts.windowMs ?? 60_000
    this.#now = opts.now ?? Date.now
  }

  /**
   * Calls `write` with the number of lines left out since the last one written, or counts this
   * line as left out.
   */
  line (write: (suppressed: number) => void): void {
    const now = this.#now()
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now
      this.#written = 0
    }
    if (this.#written >= this.#perWindow) {
      this.#suppressed++
      return
    }
    this.#written++
    const suppressed = this.#suppressed
    this.#suppressed = 0
    write(suppressed)
  }
}
