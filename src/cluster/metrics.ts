// The cluster's series, computed at scrape time from what the cluster already keeps: adapter
// health, messages exchanged with the other nodes, and the cluster's size as this node sees it.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { ClusterTraffic } from './adapter.js'
import type { AdapterErrors } from './guard.js'
import type { RedisHealth } from './health.js'
import type { StreamStats } from './stream-stats.js'

export interface ClusterView {
  redisUp: () => boolean
  nodes: () => string[]
  traffic: ClusterTraffic
  adapterErrors: AdapterErrors
  health: RedisHealth
  stream: StreamStats
  /** CLUSTER_EXPECTED_NODES (0: not set). */
  expectedNodes: number
}

/** Registers the cluster series on an app's registry (only when REDIS_URL is set). */
export function registerClusterMetrics (registry: Registry, prefix: string, view: ClusterView): void {
  new Gauge({
    name: `${prefix}redis_up`,
    help: 'Whether this node\'s Redis is connected and answering within REDIS_TIMEOUT_MS (1) or not (0, unreachable or hung): at 0 it serves its local clients only',
    registers: [registry],
    collect () { this.set(view.redisUp() ? 1 : 0) }
  })
  new Gauge({
    name: `${prefix}cluster_nodes`,
    help: 'Gateway nodes in the cluster as this node sees them, itself included (heartbeats within CLUSTER_NODE_TIMEOUT_MS)',
    registers: [registry],
    collect () { this.set(view.nodes().length) }
  })
  new Gauge({
    name: `${prefix}cluster_expected_nodes`,
    help: 'How many nodes the cluster should have (CLUSTER_EXPECTED_NODES; 0: not set): an alert compares cluster_nodes with it',
    registers: [registry],
    collect () { this.set(view.expectedNodes) }
  })
  const fromMap = (counter: Counter<'type'>, counts: Map<string, number>): void => {
    counter.reset()
    for (const [type, n] of counts) counter.inc({ type }, n)
  }
  new Counter({
    name: `${prefix}cluster_messages_published_total`,
    help: 'Messages this node published to the other nodes through Redis for clients and the application, by adapter message type (broadcast, sockets_join, fetch_sockets, …); the admin UI\'s are in admin_cluster_messages_total',
    labelNames: ['type'],
    registers: [registry],
    collect () { fromMap(this, view.traffic.published) }
  })
  new Counter({
    name: `${prefix}cluster_messages_received_total`,
    help: 'Messages this node received from the other nodes through Redis, by adapter message type (the admin UI\'s namespace left out)',
    labelNames: ['type'],
    registers: [registry],
    collect () { fromMap(this, view.traffic.received) }
  })
  new Counter({
    name: `${prefix}cluster_publish_failures_total`,
    help: 'Publications to the other nodes that Redis refused or never answered (local clients still got their copy)',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(view.traffic.publishFailures)
    }
  })
  new Counter({
    name: `${prefix}cluster_adapter_errors_total`,
    help: 'Adapter calls that failed where no caller would have handled the error, by operation: caught, counted and logged so the node stays up',
    labelNames: ['operation'],
    registers: [registry],
    collect () {
      this.reset()
      for (const [operation, n] of view.adapterErrors.counts) this.inc({ operation }, n)
    }
  })
  registerRedisHealth(registry, prefix, view)
}

/** Redis's own health: round trips, reconnections, silence, and the stream (the recovery window). */
function registerRedisHealth (registry: Registry, prefix: string, { health, stream }: ClusterView): void {
  registry.registerMetric(health.durations)
  new Counter({
    name: `${prefix}redis_reconnects_total`,
    help: 'Times this node\'s Redis connection was ready again after it had been lost',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(health.reconnects)
    }
  })
  new Gauge({
    name: `${prefix}redis_last_success_age_seconds`,
    help: 'Seconds since Redis last answered this node (its health PING runs every second or REDIS_TIMEOUT_MS): grows while Redis is down or hung',
    registers: [registry],
    collect () { this.set(health.lastSuccessAge()) }
  })
  new Gauge({
    name: `${prefix}redis_stream_length`,
    help: 'Broadcasts held in the cluster\'s Redis stream (trimmed near REDIS_STREAM_MAX_LEN); the last value read while Redis does not answer',
    registers: [registry],
    async collect () { this.set((await stream.read()).length) }
  })
  new Gauge({
    name: `${prefix}redis_stream_oldest_age_seconds`,
    help: 'Age of the oldest broadcast in the cluster\'s Redis stream, on Redis\'s clock: how far back connection state recovery can replay',
    registers: [registry],
    async collect () { this.set((await stream.read()).oldestAgeSeconds) }
  })
}
