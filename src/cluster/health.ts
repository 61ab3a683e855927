// Is Redis answering? A Redis that stopped (SIGSTOP, a stuck VM, a dead network path) closes
// nothing and returns no error: node-redis would wait for its replies for ever (its own command
// timeout stops at the socket write), and every broadcast with it. So every command this node
// waits on gets a deadline, a PING probes Redis when nothing else asks it anything, and Redis
// counts as down from the moment a reply is later than the deadline until every late reply has
// arrived (after SIGCONT, the backlog is answered first).
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import { ErrorReply } from '@redis/client'
import { Histogram } from 'prom-client'
import type { RedisClient } from './redis.js'

/** A command that got no reply within REDIS_TIMEOUT_MS; Redis may still run it later. */
export class RedisTimeoutError extends Error {
  constructor (command: string, timeoutMs: number) {
    super(`redis did not answer ${command} within ${timeoutMs} ms`)
    this.name = 'RedisTimeoutError'
  }
}

export interface HealthOptions {
  client: RedisClient
  timeoutMs: number
  log: FastifyBaseLogger
  /** Metric name prefix and latency buckets (seconds) of the round-trip histogram. */
  prefix: string
  buckets: readonly number[]
}

export class RedisHealth {
  /** Round trips of the publishing client's commands (a reply, error replies included). */
  readonly durations: Histogram
  /** Times the connection was ready again after it had been lost. */
  reconnects = 0
  readonly timeoutMs: number
  readonly #client: RedisClient
  readonly #log: FastifyBaseLogger
  /** Commands waiting for their reply: id → start, in the order they were sent. */
  readonly #pending = new Map<number, number>()
  #seq = 0
  #lastSuccess = Date.now()
  #readies = 0
  #hungReported = false
  #probing = false
  #stopped = false
  readonly #probe: NodeJS.Timeout

  constructor ({ client, timeoutMs, log, prefix, buckets }: HealthOptions) {
    this.#client = client
    this.#log = log
    this.timeoutMs = timeoutMs
    this.durations = new Histogram({
      name: `${prefix}redis_command_duration_seconds`,
      help: 'Round trip of the Redis commands this node waits on (XADD of each broadcast and cluster message, the health PING, stream reads at scrape time): sent to reply',
      buckets: [...buckets],
      registers: []
    })
    client.on('ready', () => {
      if (this.#readies++ > 0) this.reconnects++
      this.#check()
    })
    // Often enough to notice a freeze within about one deadline even when the node is idle.
    this.#probe = setInterval(() => { this.#ping() }, Math.min(1000, timeoutMs)).unref()
  }

  /** Connected, and no reply is later than the deadline: a broadcast can be handed to the cluster. */
  up (): boolean {
    return this.#client.isReady && !this.hung()
  }

  /** Connected but some reply is later than the deadline: Redis is frozen or its link is dead. */
  hung (): boolean {
    const oldest = this.#pending.values().next()
    return !oldest.done && performance.now() - oldest.value > this.timeoutMs
  }

  /** Seconds since the last reply from Redis (since start-up before the first one). */
  lastSuccessAge (): number {
    return (Date.now() - this.#lastSuccess) / 1000
  }

  /** Why Redis counts as down, for readiness and logs; undefined while it is up. */
  problem (): string | undefined {
    if (!this.#client.isReady) return 'redis unreachable: this node serves its local clients only'
    if (this.hung()) return `redis not answering (a reply is late by more than REDIS_TIMEOUT_MS=${this.timeoutMs} ms): this node serves its local clients only`
    return undefined
  }

  /** Ends the probe and the logging: a closing node's disconnect is no outage. */
  stop (): void {
    clearInterval(this.#probe)
    this.#stopped = true
  }

  /**
   * Times a command this node waits on (the adapter's XADD, the probe, reads at scrape time) and
   * bounds the wait: past REDIS_TIMEOUT_MS the returned promise rejects with a RedisTimeoutError,
   * while the command stays counted as pending (Redis counts as hung) until its reply arrives.
   */
  track<T> (command: string, reply: Promise<T>, { timed = true }: { timed?: boolean } = {}): Promise<T> {
    const id = ++this.#seq
    const started = performance.now()
    this.#pending.set(id, started)
    const answered = (): void => {
      this.#lastSuccess = Date.now()
      // Only single commands go in the round-trip histogram.
      if (timed) this.durations.observe((performance.now() - started) / 1000)
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new RedisTimeoutError(command, this.timeoutMs))
        this.#check()
      }, this.timeoutMs)
      reply.then((value) => {
        answered()
        resolve(value)
      }, (err: unknown) => {
        // An error reply (WRONGTYPE, OOM…) is still an answer; a closed connection is not.
        if (err instanceof ErrorReply) answered()
        reject(err)
      }).finally(() => {
        clearTimeout(timer)
        this.#pending.delete(id)
        this.#check()
      })
    })
  }

  #ping (): void {
    this.#check()
    if (this.#probing || !this.#client.isReady) return
    this.#probing = true
    this.track('PING', this.#client.ping()).catch(() => {}).finally(() => { this.#probing = false })
  }

  /**
   * Logs once when Redis stops answering and once when it answers again. A lost connection is
   * logged by the connection itself (redis.ts), so an outage is one warning either way.
   */
  #check (): void {
    if (this.#stopped) return
    const hung = this.hung()
    if (hung === this.#hungReported) return
    this.#hungReported = hung
    if (hung) this.#log.warn({ redis: 'health', timeoutMs: this.timeoutMs }, `redis not answering within REDIS_TIMEOUT_MS (${this.timeoutMs} ms): serving local clients only, message:send answers SG_UNAVAILABLE`)
    // Late replies also end when the connection drops: that is no answer, and redis.ts logs it.
    else if (this.#client.isReady) this.#log.info({ redis: 'health' }, 'redis answering again')
  }
}
