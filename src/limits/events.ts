// The per-socket event rate limit: a token bucket per socket (EVENT_RATE, EVENT_BURST) and one
// per socket and event for the events EVENT_RATE_LIMITS names. A refused event is answered
// SG_RATE_LIMITED through its ack (or dropped when it has none) before Socket.IO's middleware
// runner, the tick it waits and the handler: a flood costs the gateway a decode and a counter per
// event. A socket that keeps going (EVENT_RATE_MAX_REFUSED refusals within 10 s) is cut off.
import type { Socket } from 'socket.io'
import { SocketErrorCode } from '../errors.js'
import { gateClientEvents, type SocketIoShapes } from '../internals/socket-io.js'
import type { AckError } from '../realtime/events.js'
import { cutOff, type TransportShapes } from './outbound.js'
import type { LimitReport } from './report.js'
import { TokenBucket } from './token-bucket.js'

export interface EventLimitOptions {
  /** Events a second per socket; 0: no socket-wide limit. */
  rate: number
  burst: number
  /** Tighter limits for single event names. */
  perEvent: ReadonlyMap<string, { rate: number, burst: number }>
  maxRefused: number
}

/** The window in which EVENT_RATE_MAX_REFUSED refusals disconnect a socket. */
export const REFUSAL_WINDOW_MS = 10_000

/** Where a socket's budget hangs on it. */
const STATE: unique symbol = Symbol('socketgate.eventLimit')
type Watched = Socket & { [STATE]?: Budget }

/**
 * One socket's budget, made at its first event. The gate below is one function for every socket
 * (it finds this object on the socket), so a socket costs this object and a property once it
 * sends, and nothing before: most sockets of a gateway only receive.
 */
class Budget {
  /** Buckets of the events EVENT_RATE_LIMITS names, made at each one's first use. */
  named: Map<string, TokenBucket> | undefined = undefined
  windowStart: number
  refusals = 0
  cut = false
  constructor (readonly all: TokenBucket | undefined, now: number) {
    this.windowStart = now
  }
}

export class EventLimits {
  readonly #hook: (socket: Socket) => void

  constructor (
    private readonly opts: EventLimitOptions,
    private readonly report: LimitReport,
    /** Counts a refused event in events_refused_total (read at each refusal: metrics register later). */
    private readonly refused: (namespace: string) => void,
    private readonly address: (socket: Socket) => string,
    private readonly shapes: { socketIo: Pick<SocketIoShapes, 'dispatch'>, engineIo: TransportShapes },
    /** Told the address of each socket cut off (the per-address cooldown). */
    private readonly cutOffFrom: (address: string) => void = () => {}
  ) {
    this.#hook = gateClientEvents(shapes.socketIo, (socket, packet) => this.#pass(socket as Watched, packet))
  }

  get enabled (): boolean {
    return this.opts.rate > 0 || this.opts.perEvent.size > 0
  }

  watch (socket: Socket): void {
    this.#hook(socket)
  }

  /** A socket's budget, made at its first event: until then a full bucket is all it would hold. */
  #budgetOf (socket: Watched): Budget {
    let budget = socket[STATE]
    if (budget !== undefined) return budget
    const now = Date.now()
    const { rate, burst } = this.opts
    budget = socket[STATE] = new Budget(rate > 0 ? new TokenBucket(rate, burst, now) : undefined, now)
    return budget
  }

  #bucketOf (budget: Budget, event: unknown): TokenBucket | undefined {
    if (typeof event !== 'string') return undefined
    let bucket = budget.named?.get(event)
    if (bucket) return bucket
    const limit = this.opts.perEvent.get(event)
    if (!limit) return undefined
    bucket = new TokenBucket(limit.rate, limit.burst, Date.now())
    ;(budget.named ??= new Map()).set(event, bucket)
    return bucket
  }

  /** Whether the event may go on; a refusal is answered, counted, and may cut the socket off. */
  #pass (socket: Watched, packet: unknown[]): boolean {
    const budget = this.#budgetOf(socket)
    const { all } = budget
    const own = this.opts.perEvent.size > 0 ? this.#bucketOf(budget, packet[0]) : undefined
    const limiting = own ?? all
    if ((all === undefined || all.take()) && (own === undefined || own.take())) return true
    if (budget.cut) return false
    const now = Date.now()
    const last = packet[packet.length - 1]
    const wait = limiting!.waitMs(now)
    if (typeof last === 'function') {
      const error: AckError = {
        ok: false,
        error: { code: SocketErrorCode.RateLimited, message: `too many events: ${own ? `"${String(packet[0])}" ` : ''}is over its rate limit; retry in ${wait} ms` }
      }
      last(error)
    }
    this.refused(socket.nsp.name)
    this.report('event_rate', { sid: socket.id, nsp: socket.nsp.name, address: this.address(socket) }, 'event refused: over the rate limit')
    if (now - budget.windowStart > REFUSAL_WINDOW_MS) {
      budget.windowStart = now
      budget.refusals = 0
    }
    if (++budget.refusals >= this.opts.maxRefused) {
      budget.cut = true
      const address = this.address(socket)
      this.report('event_rate_disconnect', { sid: socket.id, nsp: socket.nsp.name, address, refusals: budget.refusals }, 'socket cut off: kept sending over its rate limit')
      this.cutOffFrom(address)
      // The whole connection: the flood arrives on it, whatever the namespace.
      socket.disconnect(true)
      cutOff(socket.conn, this.shapes.engineIo)
    }
    return false
  }
}
