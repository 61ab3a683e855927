// Who is in the cluster. Each node writes its id with the time into one sorted set at every
// heartbeat and reads the others back; a node whose entry is older than the timeout has left,
// whether it closed, crashed or lost its network. Redis's own subscriber count would notice a
// crash too, but not a node cut off behind a half-open connection, and it has no names.
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from './redis.js'

export interface MembershipOptions {
  client: RedisClient
  key: string
  nodeId: string
  heartbeatMs: number
  timeoutMs: number
  log: FastifyBaseLogger
}

export class Membership {
  readonly #opts: MembershipOptions
  /** Node id → time of its last heartbeat, on this node's clock. */
  readonly #seen = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #lastBeat: { ok: boolean, at: number, error?: string } = { ok: false, at: 0, error: 'no heartbeat yet' }

  constructor (opts: MembershipOptions) {
    this.#opts = opts
  }

  start (): void {
    const tick = (): void => {
      this.beat().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.#opts.heartbeatMs).unref()
      })
    }
    this.#timer = setTimeout(tick, 0).unref()
  }

  /** Writes this node's heartbeat, drops expired entries and reads the live ones. Never rejects. */
  async beat (): Promise<void> {
    const { client, key, nodeId, timeoutMs } = this.#opts
    // Redis's clock for every score, so skew between the nodes' clocks cannot hide one.
    try {
      const [seconds, micros] = await client.time() as unknown as [string, string]
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
      const [, , live] = await client.multi()
        .zAdd(key, { score: now, value: nodeId })
        .zRemRangeByScore(key, '-inf', now - timeoutMs)
        .zRangeWithScores(key, now - timeoutMs, '+inf', { BY: 'SCORE' })
        // The set outlives no cluster: gone a while after its last node.
        .pExpire(key, timeoutMs * 2)
        .exec() as unknown as [number, number, Array<{ value: string, score: number }>]
      // Each entry keeps the time of that node's last heartbeat, on this node's clock.
      const local = Date.now()
      for (const { value, score } of live) this.#seen.set(value, local - (now - score))
      this.#lastBeat = { ok: true, at: local }
    } catch (err) {
      if (this.#lastBeat.ok) this.#opts.log.debug({ err }, 'cluster heartbeat failed')
      this.#lastBeat = { ok: false, at: Date.now(), error: (err as Error).message }
    }
  }

  /** Live node ids as this node sees them now; entries not refreshed within the timeout age out. */
  nodes (): string[] {
    const oldest = Date.now() - this.#opts.timeoutMs
    for (const [id, at] of this.#seen) if (at < oldest) this.#seen.delete(id)
    this.#seen.set(this.#opts.nodeId, Date.now())
    return [...this.#seen.keys()].sort()
  }

  get lastBeat (): { ok: boolean, at: number, error?: string } {
    return this.#lastBeat
  }

  /** Stops the heartbeat and leaves the view at once, so the others need not wait for the timeout. */
  async stop (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#opts.client.isReady) await this.#opts.client.zRem(this.#opts.key, this.#opts.nodeId).catch(() => {})
  }
}
