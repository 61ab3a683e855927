// Open engine.io connections and the acks each still owes its client, so a drain can close
// every connection once, and only after answering what the client is waiting for.
import type { EventEmitter } from 'node:events'
import type { Server as HttpServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { Socket as EngineSocket } from 'engine.io'
import type { Namespace, Socket } from 'socket.io'
import { closePollingNow, OutboundQueues } from '../internals/engine-io.js'
import type { InternalShapes } from '../internals/index.js'
import { clientEventHook } from '../internals/socket-io.js'
import type { GatewayServer } from '../plugins/socket-io.js'
import type { GatewayNamespace } from './chat.js'

/** What an observer keeps for one event name: told when an ack for it is sent. */
export interface AckedEvent {
  /** Whether `acked` uses `receivedAt`: the clock is read only then. */
  readonly timed: boolean
  acked: (receivedAt: number, response: unknown) => void
}
/**
 * Told once per namespace; returns the function told of each client→server event of its sockets
 * (which returns where the event's ack is reported). Metrics observe through this, so every event
 * crosses one hook only, the one that also tracks acks for drain.
 */
export type InboundObserver = (nsp: Namespace) => ((event: unknown) => AckedEvent | undefined) | undefined

/** A connection's acks in flight; made on its first acked event (an idle connection has none). */
interface Entry { inflight: number, waiters?: Array<() => void> }

const wake = (entry: Entry): void => {
  if (entry.waiters) for (const resolve of entry.waiters.splice(0)) resolve()
}

/** Resolves once each of `conns` has emitted one of `events`, or after `ms`; leaves no listener or timer behind. */
function each (conns: EventEmitter[], events: string[], ms: number): Promise<void> {
  if (conns.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    let left = conns.length
    const cleanups: Array<() => void> = []
    const finish = (): void => {
      clearTimeout(timer)
      for (const cleanup of cleanups) cleanup()
      resolve()
    }
    const timer = setTimeout(finish, ms)
    for (const conn of conns) {
      const heard = (): void => {
        cleanup()
        if (--left === 0) finish()
      }
      const cleanup = (): void => { for (const e of events) conn.off(e, heard) }
      for (const e of events) conn.on(e, heard)
      cleanups.push(cleanup)
    }
  })
}

/** Ends a connection now, a polling one included (see closePollingNow). */
function terminate (conn: EngineSocket): void {
  conn.close(true)
  closePollingNow(conn.transport)
}

export class Connections {
  readonly #open = new Map<EngineSocket, Entry | null>()
  readonly #instrumented = new WeakSet<object>()
  #observer?: InboundObserver
  // The TCP sockets of WebSocket transports. They outlive their engine.io connection while ws
  // waits for the peer's close frame (30 s when the peer has vanished), and the HTTP server
  // cannot finish closing before they do.
  readonly #upgraded = new Set<Duplex>()

  /** Packets each connection has waiting for its transport. */
  readonly queues: OutboundQueues

  /** `shapes`: which private internals to use (src/internals; false takes the public path). */
  constructor (io: GatewayServer, server: HttpServer, readonly shapes: InternalShapes) {
    this.queues = new OutboundQueues(io.engine, shapes.engineIo)
    // One listener function for every socket and connection (called with it as `this`): an idle
    // connection costs its place in the set and map, no closure.
    const upgraded = this.#upgraded
    const open = this.#open
    const upgradedClosed = function (this: Duplex): void { upgraded.delete(this) }
    const connClosed = function (this: EngineSocket): void {
      const entry = open.get(this)
      open.delete(this)
      if (entry) wake(entry)
    }
    server.on('upgrade', (_req, socket: Duplex) => {
      upgraded.add(socket)
      // Both emit "close" once.
      socket.on('close', upgradedClosed)
    })
    io.engine.on('connection', (conn: EngineSocket) => {
      open.set(conn, null)
      conn.on('close', connClosed)
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
    // Resolved at the namespace's first connection after metrics set their observer.
    let onEvent: ((event: unknown) => AckedEvent | undefined) | undefined
    let resolved = false
    // Every client event, before its listeners (src/internals/socket-io.ts says how); one hook
    // function for the whole namespace.
    const hook = clientEventHook(this.shapes.socketIo, (socket, packet) => {
      const last = packet.length - 1
      const event = packet[0] as string
      const observed = onEvent?.(event)
      // Only events with an ack need more: most client events have none.
      if (typeof packet[last] === 'function') {
        // Nobody answers an event nobody listens to: counting its ack would hold a drain for nothing.
        const heard = socket.listenerCount(event as never) > 0 || socket.listenersAny().length > 0
        if (heard || observed) packet[last] = this.track(socket.conn, packet[last] as () => void, observed, heard)
      }
    })
    ;(nsp as GatewayNamespace).on('connection', (socket) => {
      if (!resolved && this.#observer) {
        onEvent = this.#observer(nsp as Namespace)
        resolved = true
      }
      hook(socket as unknown as Socket)
    })
  }

  /**
   * Counts a client→server event that expects an ack until the ack is sent. Returns the ack to
   * hand to listeners in place of the original.
   */
  track<A extends (...args: never[]) => unknown> (conn: EngineSocket, ack: A, observer?: AckedEvent, owed = true): A {
    let entry: Entry | undefined
    if (owed) {
      const found = this.#open.get(conn)
      // undefined: the connection has closed.
      if (found === null) this.#open.set(conn, entry = { inflight: 0 })
      else entry = found
    }
    if (!entry && !observer) return ack
    if (entry) entry.inflight++
    const receivedAt = observer?.timed === true ? performance.now() : 0
    let done = false
    // `arguments`, not rest and spread: this runs for every acked event, and V8 passes
    // `arguments` through `apply` without building an array.
    return function (this: unknown) {
      // The ack is written first: whoever waits for idle closes the connection right after.
      const result = ack.apply(this, arguments as unknown as Parameters<A>)
      if (!done) {
        done = true
        if (entry && --entry.inflight === 0) wake(entry)
        observer?.acked(receivedAt, arguments[0])
      }
      return result
    } as A
  }

  /** One observer (metrics); sockets connected before it was set are not observed. */
  observe (observer: InboundObserver): void {
    this.#observer = observer
  }

  /** Resolves when every connection that has packets waiting for its client's next poll has them sent (or closed), or after `ms`. */
  flushed (ms: number): Promise<void> {
    const waiting = this.list().filter((conn) => this.queues.length(conn) > 0)
    return each(waiting, ['drain', 'close'], ms)
  }

  /** Resolves when every connection open now, and every WebSocket's TCP socket, has closed, or after `ms`. */
  closed (ms: number): Promise<void> {
    return each([...this.list(), ...this.#upgraded], ['close'], ms)
  }

  /** Ends every connection and WebSocket TCP socket now, without waiting for any peer. */
  terminate (): void {
    for (const conn of this.list()) terminate(conn)
    for (const socket of this.#upgraded) socket.destroy()
  }

  /** How many acks `conn` still owes its client (0 once closed). */
  owed (conn: EngineSocket): number {
    return this.#open.get(conn)?.inflight ?? 0
  }

  /** Resolves when `conn` owes no ack (or has closed). */
  async idle (conn: EngineSocket): Promise<void> {
    const entry = this.#open.get(conn)
    if (!entry || entry.inflight === 0) return
    await new Promise<void>((resolve) => { (entry.waiters ??= []).push(resolve) })
  }
}
