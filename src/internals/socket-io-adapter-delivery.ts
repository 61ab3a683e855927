// socket.io-adapter internals: the moment a broadcast is written to this node's sockets. Every
// adapter, the Redis ones included, ends in the in-memory Adapter's broadcast (or
// broadcastWithAck) for the local copy, whichever node the broadcast came from; it encodes the
// packet once (`_encode`) and then hands it to each matching socket (`apply`). Neither is public:
// the cluster adapters call them through `super`, past any wrapper of the instance's broadcast.
// Wrapping the instance's `_encode` and `apply` sees each local write of a broadcast, once per
// broadcast per node. Written against socket.io-adapter 2.5; checked at start-up with the other
// internals (src/internals/index.ts); test/internals/socket-io-adapter-delivery.test.ts fails
// when an update changes the shape.
import { isFunction, load, problem, sourceHas, type ShapeProblem } from './resolve.js'

export interface BroadcastOptions { rooms: Set<string>, except?: Set<string>, flags?: Record<string, unknown> }
export interface Packet { data?: unknown[] }
/** Told of each local write of a broadcast; must call `write` once, synchronously. */
export type DeliveryHook = (packet: Packet, opts: BroadcastOptions, write: () => void) => void

interface InMemoryAdapter {
  _encode: (packet: Packet, opts: unknown) => unknown
  apply: (opts: BroadcastOptions, callback: (socket: unknown) => void) => void
}

interface AdapterModule { Adapter: { prototype: Record<string, unknown> } }

/** Whether the installed socket.io-adapter writes broadcasts through `_encode` and `apply`. */
export function checkDeliveryShape (): { shape: boolean, problems: ShapeProblem[] } {
  const p = load<AdapterModule>('socket.io-adapter').Adapter.prototype
  const writes = (fn: unknown): boolean => sourceHas(fn, 'this._encode(') && sourceHas(fn, 'this.apply(')
  const shape = writes(p.broadcast) && writes(p.broadcastWithAck) && isFunction(p._encode) && isFunction(p.apply)
  return {
    shape,
    problems: shape
      ? []
      : [problem('socket.io-adapter', 'Adapter#broadcast writing through _encode() and apply()',
          'deliveries are counted when this node emits a broadcast (origin="local" only), and delivery lag is not measured')]
  }
}

/** Calls `hook` for every local write of a broadcast by `adapter` (see the file comment). */
export function tapLocalDeliveries (adapter: object, hook: DeliveryHook): void {
  const a = adapter as InMemoryAdapter
  const encode = a._encode
  const apply = a.apply
  // `_encode` runs only in broadcast and broadcastWithAck, right before their `apply`: the
  // packet it saw marks that `apply` as a write (apply also serves addSockets, fetchSockets, …).
  let pending: Packet | undefined
  a._encode = function (packet, opts) {
    pending = packet
    return encode.call(this, packet, opts)
  }
  a.apply = function (opts, callback) {
    const packet = pending
    if (packet === undefined) return apply.call(this, opts, callback)
    pending = undefined
    hook(packet, opts, () => apply.call(this, opts, callback))
  }
}
