// Where a broadcast written to this node's sockets came from. The cluster adapter marks each
// broadcast it receives from another node with the moment that node emitted it (wall clock,
// milliseconds: the only clock two machines share); the metrics read the mark when the local
// copy is written (socketgate_deliveries_total{origin}, socketgate_delivery_lag_seconds).
// Keyed by the packet object itself, which the adapter hands on to its local write.
const remote = new WeakMap<object, number>()

/** A broadcast from another node, emitted there at `emittedAtMs` (NaN: not known). */
export function markRemote (packet: object, emittedAtMs: number): void {
  remote.set(packet, emittedAtMs)
}

/** The emit time of a broadcast another node sent (NaN: not known), or undefined when it is not one. */
export function remoteEmittedAt (packet: object): number | undefined {
  return remote.get(packet)
}

/** A stream entry id ("<ms>-<seq>") as the Redis time of the entry, in ms; NaN when it is not one. */
export function streamIdTime (id: unknown): number {
  if (typeof id !== 'string') return NaN
  const dash = id.indexOf('-')
  return dash > 0 ? Number(id.slice(0, dash)) : NaN
}
