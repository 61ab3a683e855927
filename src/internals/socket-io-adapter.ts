// socket.io-adapter internals: the broadcast counters wrap an adapter instance's `broadcast`
// and `broadcastWithAck` (public methods, but socket.io calling them for every broadcast is
// its own business) and read `rooms`/`sids` to count recipients without walking them. No
// public event tells a broadcast and its recipients, and counting per recipient (onAnyOutgoing)
// would cost each socket what a broadcast pays once: when these shapes are gone the gateway
// refuses to start rather than report zeros. Written against socket.io-adapter 2.5 and
// socket.io 4.8; test/internals/socket-io-adapter.test.ts fails when an update changes one.
import { load, loadFile, problem, isFunction, sourceHas, type ShapeProblem } from './resolve.js'

type Room = string
export interface BroadcastOptions { rooms: Set<Room>, except?: Set<Room> }
export interface BroadcastPacket { data?: unknown[] }
/** The members of a namespace's adapter that the counters use. */
export interface CountedAdapter {
  rooms: Map<Room, Set<string>>
  sids: Map<string, Set<Room>>
  broadcast: (packet: BroadcastPacket, opts: BroadcastOptions) => unknown
  broadcastWithAck: (packet: BroadcastPacket, opts: BroadcastOptions, clientCount: (n: number) => void, ack: (...args: unknown[]) => void) => unknown
  on: (event: 'join-room' | 'leave-room', fn: (room: Room, id: string) => void) => void
}

interface AdapterModule { Adapter: { prototype: { broadcast?: unknown, broadcastWithAck?: unknown } } }

export function checkSocketIoAdapterShapes (): { problems: ShapeProblem[] } {
  const { Adapter } = load<AdapterModule>('socket.io-adapter')
  const { BroadcastOperator } = loadFile<{ BroadcastOperator: { prototype: { emit?: unknown } } }>('socket.io', './broadcast-operator.js')
  const ok = isFunction(Adapter.prototype.broadcast) && isFunction(Adapter.prototype.broadcastWithAck) &&
    sourceHas(BroadcastOperator.prototype.emit, 'this.adapter.broadcast(') && sourceHas(BroadcastOperator.prototype.emit, 'this.adapter.broadcastWithAck(')
  return { problems: ok ? [] : [problem('socket.io-adapter', 'Adapter#broadcast and #broadcastWithAck, called by socket.io\'s BroadcastOperator#emit', 'none: broadcasts and their recipients could not be counted', true)] }
}

/** Replaces `adapter[method]` (on the instance) by `wrap(original)`; call the original with `.call(adapter, …)`. */
export function wrapBroadcast<K extends 'broadcast' | 'broadcastWithAck'> (adapter: CountedAdapter, method: K, wrap: (original: CountedAdapter[K]) => CountedAdapter[K]): void {
  adapter[method] = wrap(adapter[method])
}

/** A namespace's adapter, seen through the members the counters use. */
export const countedAdapterOf = (nsp: { adapter: unknown }): CountedAdapter => nsp.adapter as CountedAdapter

// What honest acks rely on in socket.io-adapter's ClusterAdapter (the base of the Redis streams
// adapter): `broadcast` calls `doPublish` (the documented extension point) synchronously, before
// its first await, so a publication can be tied to the `emit` that caused it (src/cluster/handoff.ts).
// If an update made that call asynchronous, message:send would ack `ok` without waiting for Redis:
// so it is checked on the adapter class actually in use when the first namespace is created, and
// the gateway refuses to start rather than lie (test/internals/socket-io-adapter-publish.test.ts
// fails first). Written against socket.io-adapter 2.5.
interface Probe {
  uid: string
  nsp: { name: string, server: { opts: Record<string, unknown> }, sockets: Map<string, unknown> }
  rooms: Map<string, Set<string>>
  sids: Map<string, Set<string>>
  doPublish: (message: unknown) => Promise<string>
  broadcast: (packet: unknown, opts: unknown) => unknown
}

/** Undefined when `adapterClass.prototype.broadcast` publishes synchronously; otherwise what is wrong. */
export function syncPublishProblem (adapterClass: { prototype: object, name?: string }): string | undefined {
  let published = false
  const probe = Object.create(adapterClass.prototype) as Probe
  Object.assign(probe, {
    uid: 'socketgate-probe',
    nsp: { name: '/socketgate-probe', server: { opts: {} }, sockets: new Map() },
    rooms: new Map(),
    sids: new Map(),
    // Never settles: the probe's broadcast stops there and delivers nothing.
    doPublish: () => {
      published = true
      return new Promise<string>(() => {})
    }
  })
  if (typeof probe.broadcast !== 'function') return `${adapterClass.name ?? 'the adapter'} has no broadcast method`
  try {
    const result = probe.broadcast({ type: 2, data: ['socketgate-probe'], nsp: '/socketgate-probe' }, { rooms: new Set(), except: new Set(), flags: {} }) as Promise<unknown> | undefined
    result?.catch?.(() => {})
  } catch (err) {
    return `${adapterClass.name ?? 'the adapter'}.broadcast threw on a probe: ${(err as Error).message}`
  }
  return published ? undefined : `${adapterClass.name ?? 'the adapter'}.broadcast no longer calls doPublish synchronously`
}
