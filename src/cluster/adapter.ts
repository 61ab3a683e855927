// The Socket.IO adapter of a cluster node: @socket.io/redis-streams-adapter (docs/scale-out.md
// says why this one), with each instance counted and made safe against a Redis outage.
import { createAdapter } from '@socket.io/redis-streams-adapter'
import { MessageType } from 'socket.io-adapter'
import type { FastifyBaseLogger } from 'fastify'
import { syncPublishProblem } from '../internals/socket-io-adapter.js'
import { guardAdapter, type AdapterErrors, type GuardedAdapter } from './guard.js'
import { HandoffError, type Handoffs } from './handoff.js'
import type { RedisHealth } from './health.js'
import { markRemote, streamIdTime } from '../metrics/origin.js'
import type { ClusteredRecovery } from '../recovery/index.js'
import { StreamSessionStore } from '../recovery/stream-store.js'
import type { RedisClient } from './redis.js'
import { streamsAdapterInternals, type ClusterMessage, type StreamsAdapter } from '../internals/redis-streams-adapter.js'
import { mirrorSessions } from './sessions.js'

/** socket.io-adapter's MessageType, by number: bounded label values for the message counters. */
const MESSAGE_TYPES: Record<number, string> = {
  1: 'initial_heartbeat',
  2: 'heartbeat',
  3: 'broadcast',
  4: 'sockets_join',
  5: 'sockets_leave',
  6: 'disconnect_sockets',
  7: 'fetch_sockets',
  8: 'fetch_sockets_response',
  9: 'server_side_emit',
  10: 'server_side_emit_response',
  11: 'broadcast_client_count',
  12: 'broadcast_ack',
  13: 'adapter_close'
}
const typeName = (type: unknown): string => MESSAGE_TYPES[type as number] ?? 'other'

/** Messages this node exchanged with the others, by message type; read by the metrics at scrape time. */
export class ClusterTraffic {
  readonly published = new Map<string, number>()
  readonly received = new Map<string, number>()
  /** Publications Redis refused or never answered (the local copy was still delivered). */
  publishFailures = 0

  constructor () {
    // Every type at 0 from start-up, so the first message of each kind shows in rate().
    for (const name of [...Object.values(MESSAGE_TYPES), 'other']) {
      this.published.set(name, 0)
      this.received.set(name, 0)
    }
  }

  count (map: Map<string, number>, type: unknown): void {
    const name = typeName(type)
    map.set(name, (map.get(name) ?? 0) + 1)
  }
}

export interface AdapterOptions {
  client: RedisClient
  prefix: string
  streamMaxLen: number
  traffic: ClusterTraffic
  errors: AdapterErrors
  /** Namespaces whose messages the traffic counters leave out (the admin UI's: counted on its own). */
  uncounted: ReadonlySet<string>
  health: RedisHealth
  handoffs: Handoffs
  log: FastifyBaseLogger
}

const BROADCAST = 3

export function clusterAdapter ({ client, prefix, streamMaxLen, traffic, errors, uncounted, health, handoffs, log }: AdapterOptions) {
  const sessionKeyPrefix = `${prefix}:session:`
  // Made at the first namespace, not before: createAdapter starts reading the stream at once and
  // stops only when the last of its adapters closes. A gateway that never made one (its start
  // failed first, or `socketio.adapter` replaced it) would read forever, and once closing destroyed
  // the reader's connection, spin on its rejections with the event loop starved.
  const streamName = `${prefix}:stream`
  let factory: ReturnType<typeof createAdapter> | undefined
  let checked = false
  // Socket.IO calls it with `new`: a function (not an arrow) whose returned object wins.
  return function adapterOf (nsp: unknown) {
    factory ??= createAdapter(client, {
      streamName,
      channelPrefix: `${prefix}:channel`,
      sessionKeyPrefix,
      maxLen: streamMaxLen,
      // Short, so that a closing node's blocked reader notices quickly.
      blockTimeInMs: 1000
    })
    // The members wrapped below are the adapter's internals (src/internals/redis-streams-adapter.ts).
    const adapter = streamsAdapterInternals(factory(nsp))
    if (!checked) {
      // Once, on the class in use: message:send's ack depends on it (src/internals/socket-io-adapter.ts).
      const problem = syncPublishProblem(Object.getPrototypeOf(adapter).constructor)
      if (problem !== undefined) throw new Error(`${problem}: socketgate cannot tell when Redis took a broadcast, so message:send would ack ok without it; use the socket.io-adapter version socketgate was tested with (2.5)`)
      checked = true
    }
    // Counted outermost, so a publication refused while Redis is down counts as a failure.
    handOff(adapter, health, handoffs)
    if (!uncounted.has(adapter.nsp.name)) instrument(adapter, traffic)
    mirrorSessions(adapter, client, sessionKeyPrefix, log)
    guardAdapter(adapter as unknown as GuardedAdapter, errors)
    // The handshake of a resuming client waits on these reads: bounded like restoreSession's.
    const guard = <T>(command: string, reply: () => Promise<T>): Promise<T> => health.up()
      ? health.track(command, reply(), { timed: false })
      : Promise.reject(new HandoffError(health.problem() ?? 'redis down'))
    adapter.recovery = recoveryOf(adapter, new StreamSessionStore(client, sessionKeyPrefix, streamName, adapter.nsp.name, guard), log)
    return adapter
  }
}

/** What src/recovery needs of this adapter: its session store, told of each offset it appends. */
function recoveryOf (adapter: StreamsAdapter, store: StreamSessionStore, log: FastifyBaseLogger): ClusteredRecovery {
  const { addOffsetIfNecessary } = adapter
  adapter.addOffsetIfNecessary = (packet, opts, offset) => {
    const before = packet.data?.length
    addOffsetIfNecessary.call(adapter, packet, opts, offset)
    if (packet.data !== undefined && packet.data.length !== before) store.withOffset.add(packet)
  }
  return {
    store,
    // To the other nodes only: disconnectSockets would also apply it here, after the publish,
    // to the resumed socket that has the same id by then. Only that namespace's socket, not its
    // connection: other namespaces of the same client keep their sessions. The old transport
    // ends with its heartbeat.
    releaseElsewhere: (sid) => {
      adapter.publishAndReturnOffset({ type: MessageType.DISCONNECT_SOCKETS, data: { opts: { rooms: [sid], except: [], flags: {} }, close: false } })
        .catch((err: unknown) => log.warn({ err, nsp: adapter.nsp.name }, 'the other nodes were not told to release a resumed session'))
    }
  }
}

function instrument (adapter: StreamsAdapter, traffic: ClusterTraffic): void {
  const { doPublish, doPublishResponse, onMessage, onResponse } = adapter
  const failed = (err: unknown) => {
    traffic.publishFailures++
    throw err
  }
  // Encoding happens inside these, synchronously: a message that cannot be encoded (data nested
  // past the stack) throws there, where the adapter expects a rejection. Made one.
  adapter.doPublish = (message) => {
    traffic.count(traffic.published, message.type)
    // The emit time travels with the broadcast (its data is serialised whole), so the receiving
    // nodes can measure the delivery lag (socketgate_delivery_lag_seconds{origin="remote"}).
    if (message.type === BROADCAST && message.data) message.data.emittedAt = Date.now()
    try {
      return doPublish.call(adapter, message).catch(failed)
    } catch (err) {
      return Promise.reject(err).catch(failed)
    }
  }
  adapter.doPublishResponse = (requesterUid, response) => {
    traffic.count(traffic.published, response.type)
    try {
      return doPublishResponse.call(adapter, requesterUid, response).catch(failed)
    } catch (err) {
      return Promise.reject(err).catch(failed)
    }
  }
  adapter.onMessage = (message, offset) => {
    // Every node reads the whole stream, its own broadcasts included: count only the others'.
    if (message.uid !== adapter.uid && message.nsp === adapter.nsp.name) {
      traffic.count(traffic.received, message.type)
      const packet = message.type === BROADCAST ? message.data?.packet : undefined
      // From a node without the emit time (an older release, the Redis emitter): the stream
      // entry's time, which Redis set when that node's XADD arrived.
      if (typeof packet === 'object' && packet !== null) markRemote(packet, typeof message.data!.emittedAt === 'number' ? message.data!.emittedAt : streamIdTime(offset))
    }
    onMessage.call(adapter, message, offset)
  }
  adapter.onResponse = (response) => {
    traffic.count(traffic.received, response.type)
    onResponse.call(adapter, response)
  }
}

const FETCH_SOCKETS = 7
const SERVER_SIDE_EMIT = 9

/** The adapter sends these by PUBLISH without waiting (its isEphemeral); the rest by XADD, awaited. */
const ephemeral = (message: ClusterMessage): boolean => message.type === SERVER_SIDE_EMIT || message.type === FETCH_SOCKETS ||
  (message.type === BROADCAST && (message as { data?: { requestId?: unknown } }).data?.requestId !== undefined)

/**
 * The adapter awaits its XADD before delivering a broadcast locally, and swallows its failure.
 * Here each publication is refused at once while Redis is down or hung (so local delivery does
 * not wait on it), an XADD's wait is bounded by REDIS_TIMEOUT_MS (Redis freezing mid-way), and
 * each broadcast's outcome is reported to whoever watches the emit (message:send's ack).
 */
function handOff (adapter: StreamsAdapter, health: RedisHealth, handoffs: Handoffs): void {
  const { doPublish, restoreSession } = adapter
  // Socket.IO awaits it in the handshake of a client asking for recovery: bounded, a frozen Redis
  // would hold that client's connection; a rejection makes it a new session.
  adapter.restoreSession = (pid, offset) => health.up()
    ? health.track('restoreSession', restoreSession.call(adapter, pid, offset), { timed: false })
    : Promise.reject(new HandoffError(health.problem() ?? 'redis down'))
  adapter.doPublish = (message) => {
    let published: Promise<string>
    if (!health.up()) published = Promise.reject(new HandoffError(health.problem() ?? 'redis down'))
    else if (ephemeral(message)) published = doPublish.call(adapter, message)
    else published = health.track('XADD', doPublish.call(adapter, message))
    if (message.type === BROADCAST) handoffs.report(published)
    return published
  }
}
