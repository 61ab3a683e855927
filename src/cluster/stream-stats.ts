// The cluster's stream as a recovery window: how many broadcasts it holds (at most about
// REDIS_STREAM_MAX_LEN) and how old its oldest is, i.e. how far back a reconnecting client can be
// replayed. Read at scrape time, cached briefly (several gauges and scrapers share one read) and
// bounded by a short deadline, so a scrape never hangs on a frozen Redis: it gets the last values.
import type { RedisHealth } from './health.js'
import type { RedisClient } from './redis.js'

export interface StreamView {
  /** Entries in the stream. */
  length: number
  /** Seconds between the oldest entry and now, on Redis's clock; 0 for an empty stream. */
  oldestAgeSeconds: number
}

/** Values at most this old are served from the cache. */
const CACHE_MS = 1000
/** A scrape waits at most this long for Redis (or REDIS_TIMEOUT_MS if shorter). */
const SCRAPE_DEADLINE_MS = 500

type Send = (args: string[]) => Promise<unknown>

export class StreamStats {
  #last: StreamView = { length: 0, oldestAgeSeconds: 0 }
  #readAt = 0
  #reading: Promise<StreamView> | undefined
  readonly #send: Send

  constructor (client: RedisClient, private readonly key: string, private readonly health: RedisHealth) {
    this.#send = (args) => health.track(args[0]!, client.sendCommand(args))
  }

  /** The latest values; the last ones read while Redis is down or slow. */
  async read (): Promise<StreamView> {
    if (Date.now() - this.#readAt < CACHE_MS || !this.health.up()) return this.#last
    this.#reading ??= this.#query().finally(() => { this.#reading = undefined })
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<StreamView>((resolve) => {
      timer = setTimeout(() => resolve(this.#last), Math.min(SCRAPE_DEADLINE_MS, this.health.timeoutMs))
    })
    try {
      return await Promise.race([this.#reading, late])
    } catch {
      return this.#last
    } finally {
      clearTimeout(timer)
    }
  }

  async #query (): Promise<StreamView> {
    // Sent together, so they share one round trip.
    const [length, first, time] = await Promise.all([
      this.#send(['XLEN', this.key]),
      this.#send(['XRANGE', this.key, '-', '+', 'COUNT', '1']),
      this.#send(['TIME'])
    ]) as [number, Array<[string, unknown]>, [string, string]]
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000)
    // An entry id is "<milliseconds>-<sequence>", on Redis's clock: its age needs no clock of ours.
    const oldest = first[0] === undefined ? now : Number(String(first[0][0]).split('-')[0])
    this.#last = { length: Number(length), oldestAgeSeconds: Math.max(0, now - oldest) / 1000 }
    this.#readAt = Date.now()
    return this.#last
  }
}
