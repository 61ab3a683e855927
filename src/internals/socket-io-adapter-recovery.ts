// socket.io-adapter's internals that per-client recovery relies on (src/recovery/per-client.ts).
// The in-memory Adapter's `broadcast` encodes a packet once (`_encode`) and hands it to every
// recipient (`apply`); the ClusterAdapter appends a stream offset in `addOffsetIfNecessary`.
// Wrapping those three on an adapter instance is how a broadcast gets a second encoding, without
// the offset, for the clients that did not ask for recovery. Checked at start-up: a missing one
// stops the gateway with the package's version (test/internals/socket-io-adapter-recovery.test.ts fails
// first when an update changes them). Written against socket.io-adapter 2.5.
import { createRequire } from 'node:module'
import { Adapter, ClusterAdapter } from 'socket.io-adapter'

const require = createRequire(import.meta.url)

/** Each member, where it lives and how many parameters it declares. */
const MEMBERS: ReadonlyArray<[name: string, holder: object, arity: number]> = [
  ['Adapter.prototype._encode', Adapter.prototype, 2],
  ['Adapter.prototype.apply', Adapter.prototype, 2],
  ['ClusterAdapter.prototype.addOffsetIfNecessary', ClusterAdapter.prototype, 3],
  // The cluster's resume tells the other nodes to release a session (src/cluster/adapter.ts).
  ['ClusterAdapter.prototype.publishAndReturnOffset', ClusterAdapter.prototype, 1]
]

/** What is missing or changed, one line each; empty when the shape is the expected one. */
export function adapterShapeProblems (): string[] {
  const problems: string[] = []
  for (const [name, holder, arity] of MEMBERS) {
    const fn = (holder as Record<string, unknown>)[name.slice(name.lastIndexOf('.') + 1)]
    if (typeof fn !== 'function') problems.push(`${name} is missing`)
    else if (fn.length !== arity) problems.push(`${name} takes ${fn.length} parameters, expected ${arity}`)
  }
  return problems
}

/** Throws, naming the installed version, unless the adapter internals are as expected. */
export function checkAdapterShape (): void {
  const problems = adapterShapeProblems()
  if (problems.length === 0) return
  const { version } = require('socket.io-adapter/package.json') as { version: string }
  throw new Error(`socket.io-adapter ${version}: ${problems.join('; ')}. CONNECTION_RECOVERY=auto needs them ` +
    '(src/internals/socket-io-adapter-recovery.ts); set CONNECTION_RECOVERY=true or false, or install socket.io-adapter 2.5')
}
