// The Socket.IO adapter of a cluster node: @socket.io/redis-streams-adapter (docs/scale-out.md
// says why this one), with each instance counted and made safe against a Redis outage.
import { createAdapter } from '@socket.io/redis-streams-adapter'
import type { FastifyBaseLogger } from 'fastify'
import { markRemote, streamIdTime } from '../metrics/origin.js'
import type { RedisClient } from './redis.js'
import { mirrorSessions, type SessionAdapter } from './sessions.js'

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
  log: FastifyBaseLogger
}

interface Message { uid: string, nsp: string, type: number, data?: { packet?: object, emittedAt?: unknown } }
const BROADCAST = 3
/** The members of RedisStreamsAdapter this file wraps (its typings hide some of them). */
interface StreamsAdapter {
  uid: string
  nsp: { name: string }
  doPublish: (message: Message) => Promise<string>
  doPublishResponse: (requesterUid: string, response: Message) => Promise<void>
  onMessage: (message: Message, offset?: string) => void
  onResponse: (response: Message) => void
}

export function clusterAdapter ({ client, prefix, streamMaxLen, traffic, log }: AdapterOptions) {
  const sessionKeyPrefix = `${prefix}:session:`
  const factory = createAdapter(client, {
    streamName: `${prefix}:stream`,
    channelPrefix: `${prefix}:channel`,
    sessionKeyPrefix,
    maxLen: streamMaxLen,
    // Short, so that a closing node's blocked reader notices quickly.
    blockTimeInMs: 1000
  })
  // Socket.IO calls it with `new`: a function (not an arrow) whose returned object wins.
  return function adapterOf (nsp: unknown) {
    const adapter = factory(nsp) as unknown as StreamsAdapter
    instrument(adapter, traffic)
    mirrorSessions(adapter as unknown as SessionAdapter, client, sessionKeyPrefix, log)
    return adapter
  }
}

function instrument (adapter: StreamsAdapter, traffic: ClusterTraffic): void {
  const { doPublish, doPublishResponse, onMessage, onResponse } = adapter
  const failed = (err: unknown) => {
    traffic.publishFailures++
    throw err
  }
  adapter.doPublish = (message) => {
    traffic.count(traffic.published, message.type)
    // The emit time travels with the broadcast (its data is serialised whole), so the receiving
    // nodes can measure the delivery lag (socketgate_delivery_lag_seconds{origin="remote"}).
    if (message.type === BROADCAST && message.data) message.data.emittedAt = Date.now()
    return doPublish.call(adapter, message).catch(failed)
  }
  adapter.doPublishResponse = (requesterUid, response) => {
    traffic.count(traffic.published, response.type)
    return doPublishResponse.call(adapter, requesterUid, response).catch(failed)
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
