// The cluster's series, computed at scrape time from what the cluster already keeps: adapter
// health, messages exchanged with the other nodes, and the cluster's size as this node sees it.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { ClusterTraffic } from './adapter.js'

export interface ClusterView {
  redisUp: () => boolean
  nodes: () => string[]
  traffic: ClusterTraffic
  /** CLUSTER_EXPECTED_NODES (0: not set). */
  expectedNodes: number
}

/** Registers the cluster series on an app's registry (only when REDIS_URL is set). */
export function registerClusterMetrics (registry: Registry, prefix: string, view: ClusterView): void {
  new Gauge({
    name: `${prefix}redis_up`,
    help: 'Whether this node\'s Redis connection is ready (1) or not (0): at 0 it serves its local clients only',
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
    help: 'Messages this node published to the other nodes through Redis, by adapter message type (broadcast, sockets_join, fetch_sockets, …)',
    labelNames: ['type'],
    registers: [registry],
    collect () { fromMap(this, view.traffic.published) }
  })
  new Counter({
    name: `${prefix}cluster_messages_received_total`,
    help: 'Messages this node received from the other nodes through Redis, by adapter message type',
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
}
