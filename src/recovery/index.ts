// Connection state recovery as CONNECTION_RECOVERY asks (auto, true or false), on top of any
// Socket.IO adapter: the single node's in-memory store (local-store.ts) or the cluster's Redis
// streams adapter (stream-store.ts, attached by src/cluster/adapter.ts). See docs/delivery.md.
import type { FastifyBaseLogger } from 'fastify'
import type { ServerOptions } from 'socket.io'
import { checkAdapterShape } from '../internals/socket-io-adapter-recovery.js'
import { Deliveries, type Delivered, type DeliveryAdapter } from './delivery.js'
import { LocalSessionAdapter, type SessionStore } from './local-store.js'
import { resumeSessions, type ResumeAdapter } from './resume.js'
import type { Packet, RecoveryReason, Session } from './types.js'

export type RecoveryMode = 'auto' | boolean

/** Resumes by namespace and reason, and the packets they replayed; read by the metrics at scrape time. */
export class RecoveryCounts {
  readonly resumes = new Map<string, Map<RecoveryReason, number>>()
  readonly replayed = new Map<string, number>()

  count (nsp: string, reason: RecoveryReason, replayed: number): void {
    let byReason = this.resumes.get(nsp)
    if (byReason === undefined) this.resumes.set(nsp, byReason = new Map())
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1)
    if (replayed > 0) this.replayed.set(nsp, (this.replayed.get(nsp) ?? 0) + replayed)
  }
}

/** What a clustered adapter carries for recovery (src/cluster/adapter.ts). */
export interface ClusteredRecovery {
  store: SessionStore & Delivered
  /** Packets the adapter appended a stream offset to are put in `store.withOffset`. */
  releaseElsewhere: (sid: string) => void
}

export interface RecoveryOptions {
  mode: RecoveryMode
  counts: RecoveryCounts
  vet?: (session: Session) => RecoveryReason | undefined
  log: FastifyBaseLogger
}

type AdapterFactory = NonNullable<ServerOptions['adapter']>

/**
 * The Socket.IO `adapter` option for `mode`: `base` (or the single node's store) with resumes,
 * takeovers and per-client delivery installed on each namespace's instance.
 */
export function recoveryAdapter (base: AdapterFactory | undefined, { mode, counts, vet, log }: RecoveryOptions): AdapterFactory | undefined {
  if (mode === false) return base
  if (mode === 'auto') checkAdapterShape()
  const Base = (base ?? LocalSessionAdapter) as unknown as new (nsp: unknown) => object
  // Socket.IO calls it with `new`: a function (not an arrow) whose returned object wins.
  return function adapterOf (nsp: unknown) {
    const adapter = new Base(nsp) as { recovery?: ClusteredRecovery, nsp: { name: string } }
    const store = adapter instanceof LocalSessionAdapter
      ? { store: adapter, releaseElsewhere: undefined }
      : adapter.recovery
    if (store === undefined) {
      log.warn({ nsp: adapter.nsp.name }, 'this Socket.IO adapter offers no session store: connection state recovery works as the adapter has it')
      return adapter
    }
    const deliveries = new Deliveries(adapter as unknown as DeliveryAdapter, {
      withOffset: store.store.withOffset as WeakSet<Packet>, perClient: mode === 'auto', delivered: store.store
    })
    resumeSessions(adapter as unknown as ResumeAdapter, {
      store: store.store,
      deliveries,
      vet,
      counted: (reason, replayed) => counts.count(adapter.nsp.name, reason, replayed),
      releaseElsewhere: store.releaseElsewhere,
      log
    })
    deliveries.install()
    return adapter
  } as unknown as AdapterFactory
}
