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

export class EventLimits {
  constructor (
    private readonly opts: EventLimitOptions,
    private readonly report: LimitReport,
    /** Counts a refused event in events_refused_total (read at each refusal: metrics register later). */
    private readonly refused: (namespace: string) => void,
    private readonly address: (socket: Socket) => string,
    private readonly shapes: { socketIo: Pick<SocketIoShapes, 'dispatch'>, engineIo: TransportShapes },
    /** Told the address of each socket cut off (the per-address cooldown). */
    private readonly cutOffFrom: (address: string) => void = () => {}
  ) {}

  get enabled (): boolean {
    return this.opts.rate > 0 || this.opts.perEvent.size > 0
  }

  watch (socket: Socket): void {
    const { rate, burst, perEvent, maxRefused } = this.opts
    const start = Date.now()
    const all = rate > 0 ? new TokenBucket(rate, burst, start) : undefined
    const named = new Map<string, TokenBucket>()
    let windowStart = start
    let refusals = 0
    let cut = false

    const bucketOf = (event: unknown): TokenBucket | undefined => {
      if (typeof event !== 'string') return undefined
      let bucket = named.get(event)
      if (bucket) return bucket
      const limit = perEvent.get(event)
      if (!limit) return undefined
      named.set(event, bucket = new TokenBucket(limit.rate, limit.burst, Date.now()))
      return bucket
    }

    gateClientEvents(socket, this.shapes.socketIo, (packet) => {
      const now = Date.now()
      const own = perEvent.size > 0 ? bucketOf(packet[0]) : undefined
      const limiting = own ?? all
      if ((all === undefined || all.take(now)) && (own === undefined || own.take(now))) return true
      if (cut) return false
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
      if (now - windowStart > REFUSAL_WINDOW_MS) {
        windowStart = now
        refusals = 0
      }
      if (++refusals >= maxRefused) {
        cut = true
        const address = this.address(socket)
        this.report('event_rate_disconnect', { sid: socket.id, nsp: socket.nsp.name, address, refusals }, 'socket cut off: kept sending over its rate limit')
        this.cutOffFrom(address)
        // The whole connection: the flood arrives on it, whatever the namespace.
        socket.disconnect(true)
        cutOff(socket.conn, this.shapes.engineIo)
      }
      return false
    })
  }
}
