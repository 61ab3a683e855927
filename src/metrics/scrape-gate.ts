// A bound on what /metrics can cost, whoever scrapes it and how often. Renders start at most once
// per interval; every scrape that arrives meanwhile waits for the next render and shares its
// result. A scrape is never answered with a render that started before the scrape arrived, so a
// value changed before a scrape is always in its answer (no cache, no staleness); the price is a
// wait of at most one interval. Scrapes past the waiting limit are refused at once (429).

export interface ScrapeGateOptions {
  /** Least time between the starts of two renders; 0: no spacing (concurrent scrapes still share). */
  intervalMs: number
  /** Scrapes that may wait for the next render; the next ones are refused. */
  maxWaiting: number
  /** @default performance.now */
  now?: () => number
}

export class ScrapeGate<T> {
  readonly #render: () => Promise<T>
  readonly #opts: Required<ScrapeGateOptions>
  /** The render the scrapes arriving now wait for: scheduled, not started yet. */
  #next: { promise: Promise<T>, waiting: number } | undefined
  #running: Promise<unknown> = Promise.resolve()
  #lastStart = -Infinity

  constructor (render: () => Promise<T>, opts: ScrapeGateOptions) {
    this.#render = render
    this.#opts = { now: () => performance.now(), ...opts }
  }

  /** The result of a render that starts after this call; undefined when too many scrapes wait. */
  scrape (): Promise<T> | undefined {
    if (this.#next) {
      if (this.#next.waiting >= this.#opts.maxWaiting) return undefined
      this.#next.waiting++
      return this.#next.promise
    }
    const delay = Math.max(0, this.#lastStart + this.#opts.intervalMs - this.#opts.now())
    let start!: () => void
    const promise = new Promise<T>((resolve, reject) => {
      start = () => {
        // One render at a time: the next one starts when the previous one is done.
        this.#running = this.#running.then(() => {
          this.#next = undefined
          this.#lastStart = this.#opts.now()
          const rendering = this.#render()
          rendering.then(resolve, reject)
          return rendering.catch(() => {})
        })
      }
    })
    this.#next = { promise, waiting: 1 }
    if (delay === 0) start()
    else setTimeout(start, delay).unref()
    return promise
  }
}
