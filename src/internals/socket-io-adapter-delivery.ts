// socket.io-adapter internals: the moment a broadcast is written to this node's sockets. Every
// adapter, the Redis ones included, ends in the in-memory Adapter's broadcast (or
// broadcastWithAck) for the local copy, whichever node the broadcast came from; it encodes the
// packet once (`_encode`) and then hands it to each matching socket (`apply`). Neither is public:
// the cluster adapters call them through `super`, past any wrapper of the instance's broadcast.
// Wrapping the instance's `_encode` and `apply` sees each local write of a broadcast, once per
// broadcast per node. Written against socket.io-adapter 2.5;
// test/internals/socket-io-adapter-delivery.test.ts fails when an update changes the shape.
import { createRequire } from 'node:module'

export interface BroadcastOptions { rooms: Set<string>, except?: Set<string>, flags?: Record<string, unknown> }
export interface Packet { data?: unknown[] }
/** Told of each local write of a broadcast; must call `write` once, synchronously. */
export type DeliveryHook = (packet: Packet, opts: BroadcastOptions, write: () => void) => void

interface InMemoryAdapter {
  _encode: (packet: Packet, opts: unknown) => unknown
  apply: (opts: BroadcastOptions, callback: (socket: unknown) => void) => void
}

const require = createRequire(import.meta.url)
const adapterEntry = createRequire(require.resolve('socket.io')).resolve('socket.io-adapter')

function adapterPackage (): { Adapter: { prototype: Record<string, unknown> }, version: string } {
  const mod = require(adapterEntry) as { Adapter: { prototype: Record<string, unknown> } }
  let version = 'unknown'
  try {
    version = (require(adapterEntry.replace(/dist\/index\.js$/, 'package.json')) as { version: string }).version
  } catch {}
  return { Adapter: mod.Adapter, version }
}

const calls = (fn: unknown, ...texts: string[]): boolean =>
  typeof fn === 'function' && texts.every((text) => Function.prototype.toString.call(fn).includes(text))

/**
 * Undefined when the installed socket.io-adapter has the shape; otherwise what is missing, with
 * its version and what the gateway does instead (for the start-up warning).
 */
export function deliveryShapeProblem (): string | undefined {
  const { Adapter, version } = adapterPackage()
  const p = Adapter.prototype
  const ok = calls(p.broadcast, 'this._encode(', 'this.apply(') && calls(p.broadcastWithAck, 'this._encode(', 'this.apply(') &&
    typeof p._encode === 'function' && typeof p.apply === 'function'
  if (ok) return undefined
  return `socket.io-adapter ${version}: Adapter#broadcast no longer writes through _encode() and apply(); ` +
    'deliveries are counted when this node emits a broadcast (origin="local" only), delivery lag is not measured'
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
