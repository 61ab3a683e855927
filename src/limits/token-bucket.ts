// A token bucket: `burst` tokens to start with, refilled at `rate` a second. Refilled lazily when
// taken from, so an idle bucket costs nothing.

export class TokenBucket {
  #tokens: number
  #at: number

  constructor (private readonly rate: number, private readonly burst: number, now: number) {
    this.#tokens = burst
    this.#at = now
  }

  /**
   * Takes one token; false when there is none (nothing is taken then). `now` is read only when
   * the bucket must be refilled first: the clock is not read for every event of a busy socket.
   */
  take (now: () => number = Date.now): boolean {
    if (this.#tokens < 1) {
      const at = now()
      this.#tokens = Math.min(this.burst, this.#tokens + (at - this.#at) * this.rate / 1000)
      this.#at = at
      if (this.#tokens < 1) return false
    }
    this.#tokens--
    return true
  }

  /** Milliseconds until the next token (0 when one is there). */
  waitMs (now: number): number {
    const tokens = Math.min(this.burst, this.#tokens + (now - this.#at) * this.rate / 1000)
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * 1000 / this.rate)
  }

  /** Whether the bucket is full again: it can be forgotten (a new one would be the same). */
  full (now: number): boolean {
    return this.#tokens + (now - this.#at) * this.rate / 1000 >= this.burst
  }
}
