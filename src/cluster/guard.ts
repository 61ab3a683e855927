// No error of the cluster adapter may end the process. Socket.IO calls most adapter methods
// without handling what they return (a broadcast, socketsJoin, disconnectSockets, serverSideEmit
// return promises nobody awaits), and the stream reader calls onMessage in a loop that does not
// advance past a message that throws, so one bad message would be read again forever. Each such
// call is wrapped here: a synchronous throw or a rejection is caught, counted by operation and
// logged at a sampled rate. Calls whose callers await them (fetchSockets, restoreSession) keep
// their rejection for that caller.
import type { FastifyBaseLogger } from 'fastify'
import { SampledLog } from '../admin/sampled-log.js'

/** Values of cluster_adapter_errors_total's `operation` label, each created at 0. */
export const ADAPTER_OPERATIONS = ['broadcast', 'sockets_join', 'sockets_leave', 'disconnect_sockets', 'server_side_emit', 'fetch_sockets', 'receive'] as const
export type AdapterOperation = typeof ADAPTER_OPERATIONS[number]

export class AdapterErrors {
  readonly counts = new Map<AdapterOperation, number>(ADAPTER_OPERATIONS.map((op) => [op, 0]))
  readonly #sampled = new SampledLog({ perWindow: 5, windowMs: 60_000 })

  constructor (private readonly log: FastifyBaseLogger) {}

  failed (operation: AdapterOperation, nsp: string, err: unknown): void {
    this.counts.set(operation, this.counts.get(operation)! + 1)
    this.#sampled.line((suppressed) => {
      this.log.error({ err, operation, nsp, suppressed }, 'cluster adapter call failed; caught so the node stays up (socketgate_cluster_adapter_errors_total)')
    })
  }
}

type Fn = (...args: unknown[]) => unknown
const isThenable = (v: unknown): v is Promise<unknown> => typeof (v as Promise<unknown> | undefined)?.then === 'function'

export interface GuardedAdapter {
  nsp: { name: string }
  broadcast: Fn
  broadcastWithAck: Fn
  addSockets: Fn
  delSockets: Fn
  disconnectSockets: Fn
  serverSideEmit: (packet: unknown[]) => unknown
  fetchSockets: Fn
  onMessage: Fn
  onResponse: Fn
}

export function guardAdapter (adapter: GuardedAdapter, errors: AdapterErrors): void {
  const fail = (op: AdapterOperation) => (err: unknown): void => { errors.failed(op, adapter.nsp.name, err) }
  /** Fire-and-forget: neither a throw nor a rejection leaves the call. */
  const contain = (method: 'broadcast' | 'broadcastWithAck' | 'addSockets' | 'delSockets' | 'disconnectSockets' | 'onMessage' | 'onResponse', op: AdapterOperation): void => {
    const original = adapter[method]
    adapter[method] = (...args: unknown[]) => {
      try {
        const result = original.apply(adapter, args)
        return isThenable(result) ? result.then(undefined, fail(op)) : result
      } catch (err) {
        fail(op)(err)
        return undefined
      }
    }
  }
  contain('broadcast', 'broadcast')
  // Its acks then time out on the emitter's side, which is how a lost broadcast shows there.
  contain('broadcastWithAck', 'broadcast')
  contain('addSockets', 'sockets_join')
  contain('delSockets', 'sockets_leave')
  contain('disconnectSockets', 'disconnect_sockets')
  contain('onMessage', 'receive')
  contain('onResponse', 'receive')

  // A caller waiting for the other nodes' answers gets the error through its callback.
  const { serverSideEmit, fetchSockets } = adapter
  adapter.serverSideEmit = (packet) => {
    const last = packet.at(-1)
    const ack = typeof last === 'function' ? last as (err: Error, responses: unknown[]) => void : undefined
    const failed = (err: unknown): void => {
      fail('server_side_emit')(err)
      ack?.(err instanceof Error ? err : new Error(String(err)), [])
    }
    try {
      const result = serverSideEmit.call(adapter, packet)
      return isThenable(result) ? result.then(undefined, failed) : result
    } catch (err) {
      failed(err)
      return undefined
    }
  }
  // Awaited by its callers (the rooms listing, admin UI), which answer their own error: counted
  // and logged here, passed on unchanged.
  adapter.fetchSockets = (...args: unknown[]) => {
    try {
      const result = fetchSockets.apply(adapter, args)
      if (isThenable(result)) result.then(undefined, fail('fetch_sockets'))
      return result
    } catch (err) {
      fail('fetch_sockets')(err)
      return Promise.reject(err)
    }
  }
}

/**
 * For a namespace whose broadcasts carry client data as is (ADMIN_MODE=development relays every
 * client event to /admin): a packet the encoder cannot handle (nested past the stack) is dropped
 * and reported, instead of throwing out of the relaying listener, which ends the process.
 */
export function containBroadcasts (adapter: { broadcast: Fn }, onError: (err: unknown) => void): void {
  const { broadcast } = adapter
  adapter.broadcast = (...args: unknown[]) => {
    try {
      const result = broadcast.apply(adapter, args)
      return isThenable(result) ? result.then(undefined, onError) : result
    } catch (err) {
      onError(err)
      return undefined
    }
  }
}
