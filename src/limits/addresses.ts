// Per client address (as TRUST_PROXY says, src/realtime/address.ts): connections open on this
// node and new connections a second (a token bucket). Checked in engine.io's `allowRequest`,
// before a session, a transport or a Socket.IO client exists.
import { TokenBucket } from './token-bucket.js'
import type { LimitReport } from './report.js'

export interface AddressLimitOptions {
  maxConnections: number
  handshakeRate: number
  handshakeBurst: number
  /** After a socket is cut off for flooding events, how long its address may not connect (0: not at all). */
  cooldownMs: number
}

/** Buckets kept before full ones (idle addresses) are swept: bounds the table under a spoofed-address flood. */
const SWEEP_AT = 10_000

export class AddressLimits {
  readonly #open = new Map<string, number>()
  readonly #buckets = new Map<string, TokenBucket>()
  /** Address → until when (epoch ms) its handshakes are refused. */
  readonly #cooling = new Map<string, number>()

  constructor (private readonly opts: AddressLimitOptions, private readonly report: LimitReport, private readonly now: () => number = Date.now) {}

  /** Undefined when a new connection from `address` may start, else why not (for the client). */
  admit (address: string): string | undefined {
    const { maxConnections, handshakeRate, handshakeBurst } = this.opts
    const open = this.#open.get(address) ?? 0
    // 0 turns a limit off (load tests from one machine).
    if (maxConnections > 0 && open >= maxConnections) {
      this.report('ip_connections', { address, open, max: maxConnections }, 'handshake refused: too many connections from one address')
      return `too many connections from your address: ${open} open, at most ${maxConnections} (IP_MAX_CONNECTIONS); close some first`
    }
    const now = this.now()
    const until = this.#cooling.get(address)
    if (until !== undefined) {
      if (until > now) {
        this.report('ip_handshake_rate', { address, cooldownMs: until - now }, 'handshake refused: the address was cut off for flooding events')
        return `a connection from your address was cut off for sending events too fast (EVENT_RATE); retry in ${until - now} ms`
      }
      this.#cooling.delete(address)
    }
    if (handshakeRate === 0) return undefined
    let bucket = this.#buckets.get(address)
    if (!bucket) {
      if (this.#buckets.size >= SWEEP_AT) this.#sweep(now)
      this.#buckets.set(address, bucket = new TokenBucket(handshakeRate, handshakeBurst, now))
    }
    if (bucket.take(() => now)) return undefined
    const wait = bucket.waitMs(now)
    this.report('ip_handshake_rate', { address, rate: handshakeRate, burst: handshakeBurst }, 'handshake refused: too many new connections from one address')
    return `too many new connections from your address: at most ${handshakeRate} a second (IP_HANDSHAKE_RATE); retry in ${wait} ms`
  }

  /**
   * A socket from `address` was cut off for flooding events: refuse its handshakes for the
   * cooldown, so that reconnecting does not buy a fresh event burst at once.
   */
  coolDown (address: string): void {
    if (this.opts.cooldownMs <= 0) return
    if (this.#cooling.size >= SWEEP_AT) {
      const now = this.now()
      for (const [a, until] of this.#cooling) if (until <= now) this.#cooling.delete(a)
      if (this.#cooling.size >= SWEEP_AT) return
    }
    this.#cooling.set(address, this.now() + this.opts.cooldownMs)
  }

  opened (address: string): void {
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1)
  }

  closed (address: string): void {
    const n = (this.#open.get(address) ?? 1) - 1
    if (n <= 0) this.#open.delete(address)
    else this.#open.set(address, n)
  }

  /** Connections open from `address` now. */
  openFrom (address: string): number {
    return this.#open.get(address) ?? 0
  }

  /** Addresses with a bucket now (for tests: the table stays bounded). */
  get tracked (): number {
    return this.#buckets.size
  }

  #sweep (now: number): void {
    for (const [address, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(address)
  }
}
