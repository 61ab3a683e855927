// What honest acks rely on in socket.io-adapter's ClusterAdapter (the base of the Redis streams
// adapter): `broadcast` calls `doPublish` (the documented extension point) synchronously, before
// its first await, so a publication can be tied to the `emit` that caused it (src/cluster/handoff.ts).
// If an update made that call asynchronous, message:send would ack `ok` without waiting for Redis:
// so it is checked on the adapter class actually in use when the first namespace is created, and
// the gateway refuses to start rather than lie (test/internals/socket-io-adapter.test.ts fails
// first). Written against socket.io-adapter 2.5.

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
