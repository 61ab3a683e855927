// Socket.IO-level instrumentation: namespace connections, events in both directions, acks,
// broadcasts, their deliveries and rooms. Client→server events arrive through the one per-event
// hook that Connections already runs (see InboundObserver); a broadcast is seen when it is
// emitted and when its local copy is written (once per node, whichever node emitted it);
// nothing here runs per recipient of a broadcast.
import type { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { Namespace, Socket } from 'socket.io'
import { emitHook } from '../internals/socket-io.js'
import { tapLocalDeliveries, type Packet } from '../internals/socket-io-adapter-delivery.js'
import { countedAdapterOf, wrapBroadcast, type BroadcastOptions, type CountedAdapter as Adapter } from '../internals/socket-io-adapter.js'
import type { Connections, InboundObserver } from '../realtime/connections.js'
import type { HistogramSeries } from './families.js'
import type { NamespaceState, NamespaceStates } from './namespaces.js'
import { remoteEmittedAt } from './origin.js'

/** The delivery-lag series (by origin only, not by namespace). */
export interface DeliveryCounters { localLag: HistogramSeries, remoteLag: HistogramSeries }
type AnyFn = (...args: unknown[]) => unknown

/**
 * Sockets a broadcast reaches on this node, from room sizes: O(1) for a namespace-wide or
 * one-room broadcast (plus the size of `except`, usually the sender alone). Only a broadcast to
 * several rooms at once walks their members, as the adapter itself does to deduplicate them.
 */
export function recipientCount (adapter: Adapter, opts: BroadcastOptions): number {
  const rooms = opts.rooms
  let members: Set<string> | undefined
  let count: number
  if (rooms.size === 0) {
    count = adapter.sids.size
  } else if (rooms.size === 1) {
    for (const room of rooms) members = adapter.rooms.get(room)
    if (!members) return 0
    count = members.size
  } else {
    members = new Set()
    for (const room of rooms) for (const id of adapter.rooms.get(room) ?? []) members.add(id)
    count = members.size
  }
  if (opts.except && opts.except.size > 0) {
    const excluded = new Set<string>()
    for (const room of opts.except) {
      for (const id of adapter.rooms.get(room) ?? []) {
        if (!excluded.has(id) && (members ? members.has(id) : adapter.sids.has(id))) excluded.add(id)
      }
    }
    count -= excluded.size
  }
  return count
}

export class SocketInstrumentation {
  /** Set while a socket.emit runs: with connection state recovery it goes through adapter.broadcast. */
  #directEmit = false
  readonly #done = new WeakSet<Namespace>()
  /** Packets of socket.emit that went through the adapter (recovery): not broadcasts. */
  readonly #direct = new WeakSet<object>()
  /** Broadcasts emitted on this node, by packet: when (performance.now()). */
  readonly #emitted = new WeakMap<object, number>()

  /** `tapDeliveries`: whether the adapter's local writes can be seen (src/internals/socket-io-adapter-delivery.ts). */
  constructor (private readonly states: NamespaceStates, connections: Connections, private readonly deliveries: DeliveryCounters, private readonly tapDeliveries: boolean) {
    const observer: InboundObserver = (nsp) => {
      if (!this.states.counts(nsp)) return undefined
      const events = this.states.of(nsp).events
      return (event) => {
        const slot = events.slot(event)
        slot.received()
        return slot
      }
    }
    connections.observe(observer)
  }

  namespace (nsp: Namespace): void {
    if (this.#done.has(nsp) || !this.states.counts(nsp)) return
    this.#done.add(nsp)
    const state = this.states.of(nsp)
    // One listener and one emit wrapper for every socket of the namespace (called with the
    // socket as `this`): a socket costs no closure here.
    const disconnected = function (reason: string): void { state.disconnect(reason).value++ }
    const hookEmit = emitHook((emit) => {
      const instrumentation = this
      return function (ev, ...args) {
        const last = args.length - 1
        if (last >= 0 && typeof args[last] === 'function') args[last] = instrumentation.#timeAck(state, args[last] as AnyFn)
        instrumentation.#directEmit = true
        try {
          emit.call(this, ev, ...args)
        } finally {
          instrumentation.#directEmit = false
        }
        state.events.slot(ev).sent()
        return true
      }
    })
    // First of the namespace's listeners: one registered before (the session:ready event with
    // connection state recovery) must find socket.emit wrapped, or its emit counts as a broadcast.
    ;(nsp as unknown as EventEmitter).prependListener('connection', (socket: Socket) => {
      state.connects.value++
      // Socket.IO emits "disconnect" once.
      socket.on('disconnect', disconnected)
      hookEmit(socket)
    })
    this.#adapter(state, countedAdapterOf(nsp))
  }

  #timeAck (state: NamespaceState, ack: AnyFn): AnyFn {
    const sentAt = performance.now()
    return function (this: unknown, ...args: unknown[]) {
      // Only Socket.IO's timeout (socket.timeout(ms).emit) hands an ack an Error: what a
      // client answers is decoded JSON or binary, never one.
      if (args[0] instanceof Error) state.ackTimeouts.value++
      else state.ackRtt.observe((performance.now() - sentAt) / 1000)
      return ack.apply(this, args)
    }
  }

  /**
   * One local write of a broadcast (whichever node emitted it): its recipients, how long the
   * write took, and how long after the emit it came. A remote broadcast none of this node's
   * sockets receive is not a delivery here.
   */
  #delivered (state: NamespaceState, adapter: Adapter, packet: Packet, opts: BroadcastOptions, write: () => void): void {
    if (this.#direct.has(packet)) return write()
    const recipients = recipientCount(adapter, opts)
    const start = performance.now()
    write()
    const emittedAt = this.#emitted.get(packet)
    if (emittedAt !== undefined) {
      state.fanout.observe((performance.now() - start) / 1000)
      state.recipients.value += recipients
      state.deliveriesLocal.value += recipients
      this.deliveries.localLag.observe((start - emittedAt) / 1000)
    } else if (recipients > 0) {
      state.fanout.observe((performance.now() - start) / 1000)
      state.deliveriesRemote.value += recipients
      const remoteAt = remoteEmittedAt(packet)
      if (remoteAt !== undefined && !Number.isNaN(remoteAt)) this.deliveries.remoteLag.observe(Math.max(0, Date.now() - remoteAt) / 1000)
    }
  }

  #adapter (state: NamespaceState, adapter: Adapter): void {
    const tapped = this.tapDeliveries
    if (tapped) tapLocalDeliveries(adapter, (packet, opts, write) => { this.#delivered(state, adapter, packet, opts, write) })
    wrapBroadcast(adapter, 'broadcast', (broadcast) => (packet, opts) => {
      if (this.#directEmit) {
        this.#direct.add(packet)
        return broadcast.call(adapter, packet, opts)
      }
      state.broadcasts.value++
      state.events.slot(packet.data?.[0]).sent()
      if (tapped) {
        this.#emitted.set(packet, performance.now())
        return broadcast.call(adapter, packet, opts)
      }
      // Without the tap: the recipients as the broadcast leaves, its local copy only.
      const recipients = recipientCount(adapter, opts)
      const start = performance.now()
      const result = broadcast.call(adapter, packet, opts)
      state.fanout.observe((performance.now() - start) / 1000)
      state.recipients.value += recipients
      state.deliveriesLocal.value += recipients
      return result
    })
    wrapBroadcast(adapter, 'broadcastWithAck', (broadcastWithAck) => (packet, opts, clientCount, ack) => {
      state.broadcasts.value++
      state.events.slot(packet.data?.[0]).sent()
      if (tapped) {
        this.#emitted.set(packet, performance.now())
        return broadcastWithAck.call(adapter, packet, opts, clientCount, ack)
      }
      const start = performance.now()
      // The adapter counts the sockets it wrote to; no need to count them again.
      const result = broadcastWithAck.call(adapter, packet, opts, (n) => {
        state.recipients.value += n
        state.deliveriesLocal.value += n
        clientCount(n)
      }, ack)
      state.fanout.observe((performance.now() - start) / 1000)
      return result
    })
    // Every socket joins a private room named after its id: not a room anyone chose.
    adapter.on('join-room', (room, id) => {
      if (room === id) return
      state.roomJoins.value++
      const size = adapter.rooms.get(room)?.size ?? 0
      state.roomResized(size - 1, size)
    })
    adapter.on('leave-room', (room, id) => {
      if (room === id) return
      state.roomLeaves.value++
      const size = adapter.rooms.get(room)?.size ?? 0
      state.roomResized(size + 1, size)
    })
  }
}
