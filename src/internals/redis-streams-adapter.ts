// @socket.io/redis-streams-adapter internals (with the socket.io-adapter ClusterAdapter it
// extends): src/cluster wraps an adapter instance's message methods to count the cluster's
// traffic by type (`doPublish`, `doPublishResponse`, `onMessage`, `onResponse`, protected in
// socket.io-adapter), and its room and session methods to mirror sessions to Redis
// (`addAll`, `del`, `delAll`, `persistSession`). No public event tells a cluster message, and the
// adapter saves a session only at disconnect: without these the cluster counters would read 0
// and a crashed node's clients could not recover, so a node refuses to start instead, naming
// the package and version. Written against 0.3.1 (socket.io-adapter 2.5);
// test/internals/redis-streams-adapter.test.ts fails when an update changes a shape.
import { createRequire } from 'node:module'
import type { ClusteredRecovery } from '../recovery/index.js'
import type { Packet } from '../recovery/types.js'
import type { ShapeProblem } from './resolve.js'

export interface ClusterMessage { uid: string, nsp: string, type: number, data?: { packet?: object, emittedAt?: unknown } }
/** The members of a streams adapter instance that src/cluster/adapter.ts wraps. */
export interface StreamsAdapter {
  uid: string
  nsp: { name: string }
  doPublish: (message: ClusterMessage) => Promise<string>
  restoreSession: (pid: string, offset: string) => Promise<unknown>
  doPublishResponse: (requesterUid: string, response: ClusterMessage) => Promise<void>
  onMessage: (message: ClusterMessage, offset?: string) => void
  onResponse: (response: ClusterMessage) => void
  /** Stamps a broadcast's offset into its packet (connection state recovery). */
  addOffsetIfNecessary: (packet: Packet, opts: unknown, offset: string) => void
  publishAndReturnOffset: (message: { type: number, data: unknown }) => Promise<string>
  /** Read by src/recovery/index.ts. */
  recovery?: ClusteredRecovery
}

interface LiveSocket { id: string, pid?: string, rooms: Set<string>, data: unknown }
export interface SessionToPersist { sid: string, pid: string, rooms: string[], data: unknown, live?: true, by?: string }
/** The members of an adapter instance that src/cluster/sessions.ts wraps and reads. */
export interface SessionAdapter {
  uid: string
  nsp: {
    name: string
    sockets: Map<string, LiveSocket>
    server: { _opts: { connectionStateRecovery?: { maxDisconnectionDuration?: number } } }
  }
  addAll: (id: string, rooms: Set<string>) => Promise<void> | void
  del: (id: string, room: string) => Promise<void> | void
  delAll: (id: string) => void
  persistSession: (session: SessionToPersist) => void
  close: () => Promise<void> | void
}

const METHODS = ['doPublish', 'restoreSession', 'addOffsetIfNecessary', 'publishAndReturnOffset', 'doPublishResponse', 'onMessage', 'onResponse', 'addAll', 'del', 'delAll', 'persistSession', 'close'] as const

const version = (): string => {
  try {
    return (createRequire(import.meta.url)('@socket.io/redis-streams-adapter/package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** What an adapter instance lacks of the members src/cluster wraps (none on 0.3.1). */
export function checkStreamsAdapterShapes (adapter: unknown): ShapeProblem[] {
  const a = adapter as Record<string, unknown>
  const missing = METHODS.filter((m) => typeof a[m] !== 'function')
  if (typeof a.uid !== 'string') missing.push('uid' as never)
  if (missing.length === 0) return []
  return [{ package: '@socket.io/redis-streams-adapter', version: version(), missing: missing.join(', '), fallback: 'none: cluster traffic could not be counted nor sessions mirrored', fatal: true }]
}

/** The adapter as src/cluster uses it; throws, naming package and version, when it is not shaped so. */
export function streamsAdapterInternals (adapter: unknown): StreamsAdapter & SessionAdapter {
  const [problem] = checkStreamsAdapterShapes(adapter)
  if (problem) throw new Error(`socketgate does not support the installed ${problem.package}@${problem.version}: it no longer has ${problem.missing} (${problem.fallback})`)
  return adapter as StreamsAdapter & SessionAdapter
}
