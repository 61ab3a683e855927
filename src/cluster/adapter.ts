// The Socket.IO adapter of a cluster node: @socket.io/redis-streams-adapter (docs/scale-out.md
// says why this one), with each instance counted and made safe against a Redis outage.
import { createAdapter } from '@socket.io/redis-streams-adapter'
import type { FastifyBaseLogger } from 'fastify'
import { guardAdapter, type AdapterErrors, type GuardedAdapter } from './guard.js'
import type { RedisClient } from './redis.js'
import { streamsAdapterInternals, type StreamsAdapter } from '../internals/redis-streams-adapter.js'
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
  log: FastifyBaseLogger
}


export function clusterAdapter ({ client, prefix, streamMaxLen, traffic, errors, log }: AdapterOptions) {
  const sessionKeyPrefix = `${prefix}:session:`
  // Made at the first namespace, not before: createAdapter starts reading the stream at once and
  // stops only when the last of its adapters closes. A gateway that never made one (its start
  // failed first, or `socketio.adapter` replaced it) would read forever, and once closing destroyed
  // the reader's connection, spin on its rejections with the event loop starved.
  let factory: ReturnType<typeof createAdapter> | undefined
  // Socket.IO calls it with `new`: a function (not an arrow) whose returned object wins.
  return function adapterOf (nsp: unknown) {
    factory ??= createAdapter(client, {
      streamName: `${prefix}:stream`,
      channelPrefix: `${prefix}:channel`,
      sessionKeyPrefix,
      maxLen: streamMaxLen,
      // Short, so that a closing node's blocked reader notices quickly.
      blockTimeInMs: 1000
    })
    // The members wrapped below are the adapter's internals (src/internals/redis-streams-adapter.ts).
    const adapter = streamsAdapterInternals(factory(nsp))
    instrument(adapter, traffic)
    mirrorSessions(adapter, client, sessionKeyPrefix, log)
    guardAdapter(adapter as unknown as GuardedAdapter, errors)
    return adapter
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
    if (message.uid !== adapter.uid && message.nsp === adapter.nsp.name) traffic.count(traffic.received, message.type)
    onMessage.call(adapter, message, offset)
  }
  adapter.onResponse = (response) => {
    traffic.count(traffic.received, response.type)
    onResponse.call(adapter, response)
  }
}
