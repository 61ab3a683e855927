// Open engine.io connections and the acks each still owes its client, so a drain can close
// every connection once, and only after answering what the client is waiting for.
import { performance } from 'node:perf_hooks'
import type { Socket as EngineSocket } from 'engine.io'
import type { Namespace, Socket } from 'socket.io'
import type { GatewayServer } from '../plugins/socket-io.js'
import type { GatewayNamespace } from './chat.js'

/** What an observer keeps for one event name: told when an ack for it is sent. */
export interface AckedEvent {
  acked: (receivedAt: number, response: unknown) => void
}
/**
 * Told once per socket; returns the function told of each of its client→server events (which
 * returns where the event's ack is reported). Metrics observe through this, so every event
 * crosses one middleware only, the one that also tracks acks for drain.
 */
export type InboundObserver = (socket: Socket) => (event: unknown) => AckedEvent | undefined

interface Entry { inflight: number, waiters: Array<() => void> }

const wake = (entry: Entry): void => {
  for (const resolve of entry.waiters.splice(0)) resolve()
}

export class Connections {
  readonly #open = new Map<EngineSocket, Entry>()
  readonly #instrumented = new WeakSet<object>()
  #observer?: InboundObserver

  constructor (io: GatewayServer) {
    io.engine.on('connection', (conn: EngineSocket) => {
      this.#open.set(conn, { inflight: 0, waiters: [] })
      conn.once('close', () => {
        const entry = this.#open.get(conn)
        this.#open.delete(conn)
        if (entry) wake(entry)
      })
    })
  }

  get size (): number {
    return this.#open.size
  }

  list (): EngineSocket[] {
    return [...this.#open.keys()]
  }

  /** Counts, on every socket of `nsp`, the acks its client is waiting for (see `track`). */
  instrument (nsp: GatewayNamespace | Namespace): void {
    // Idempotent: metrics instruments every namespace, realtime its own ones.
    if (this.#instrumented.has(nsp)) return
    this.#instrumented.add(nsp)
    ;(nsp as GatewayNamespace).on('connection', (socket) => {
      const onEvent = this.#observer?.(socket as unknown as Socket)
      socket.use((packet, next) => {
        const last = packet.length - 1
        const [event] = packet as [string]
        const observed = onEvent?.(event)
        // Nobody answers an event nobody listens to: counting its ack would hold a drain for nothing.
        const heard = socket.listenerCount(event as never) > 0 || socket.listenersAny().length > 0
        if ((heard || observed) && typeof packet[last] === 'function') packet[last] = this.track(socket.conn, packet[last], observed, heard)
        next()
      })
    })
  }

  /**
   * Counts a client→server event that expects an ack until the ack is sent. Returns the ack to
   * hand to listeners in place of the original.
   */
  track<A extends (...args: never[]) => unknown> (conn: EngineSocket, ack: A, observer?: AckedEvent, owed = true): A {
    const entry = owed ? this.#open.get(conn) : undefined
    if (!entry && !observer) return ack
    if (entry) entry.inflight++
    const receivedAt = observer ? performance.now() : 0
    let done = false
    return ((...args: Parameters<A>) => {
      // The ack is written first: whoever waits for idle closes the connection right after.
      const result = ack(...args)
      if (!done) {
        done = true
        if (entry && --entry.inflight === 0) wake(entry)
        observer?.acked(receivedAt, args[0])
      }
      return result
    }) as A
  }

  /** One observer (metrics); sockets connected before it was set are not observed. */
  observe (observer: InboundObserver): void {
    this.#observer = observer
  }

  /** How many acks `conn` still owes its client (0 once closed). */
  owed (conn: EngineSocket): number {
    return this.#open.get(conn)?.inflight ?? 0
  }

  /** Resolves when `conn` owes no ack (or has closed). */
  async idle (conn: EngineSocket): Promise<void> {
    const entry = this.#open.get(conn)
    if (!entry || entry.inflight === 0) return
    await new Promise<void>((resolve) => { entry.waiters.push(resolve) })
  }
}
