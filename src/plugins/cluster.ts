// Scale-out: with REDIS_URL set, this gateway is one node of a cluster. It provides the Socket.IO
// adapter (registered before socket-io, which takes it at construction), the cluster view, the
// Redis readiness check, the admin UI's session store and the cluster's metrics. Without
// REDIS_URL it provides a single-node view and Socket.IO keeps its in-memory adapter.
import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import type { ServerOptions } from 'socket.io'
import type { Config } from '../config.js'
import { clusterAdapter, ClusterTraffic } from '../cluster/adapter.js'
import { RedisAdminStore } from '../cluster/admin-store.js'
import { Handoffs } from '../cluster/handoff.js'
import { RedisHealth } from '../cluster/health.js'
import { Membership } from '../cluster/membership.js'
import { registerClusterMetrics } from '../cluster/metrics.js'
import { AdapterErrors } from '../cluster/guard.js'
import { createRedis } from '../cluster/redis.js'
import { StreamStats } from '../cluster/stream-stats.js'
import { parseBuckets } from '../config.js'
import { ADMIN_NAMESPACE, type AdminSessionStore } from './admin-ui.js'

export interface Cluster {
  /** True when REDIS_URL is set. */
  enabled: boolean
  nodeId: string
  /** Options for the Socket.IO server: the adapter when clustered, nothing otherwise. */
  socketio: Partial<ServerOptions>
  /** Can this node reach the other nodes now (Redis connected and answering within REDIS_TIMEOUT_MS)? Always true for a single node. */
  connected: () => boolean
  /**
   * Runs `emit` (one or more broadcasts) and resolves once each was handed to the cluster
   * (Redis accepted it); rejects with a HandoffError when one was not. A single node resolves
   * at once.
   */
  handoff: (emit: () => void) => Promise<void>
  /** Node ids in the cluster as this node sees them, itself included. */
  nodes: () => string[]
  /** For the admin UI: login sessions shared by every node; undefined for a single node. */
  adminStore: AdminSessionStore | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    cluster: Cluster
  }
}

/** How long start-up waits for Redis before going on degraded (it connects by itself later). */
const STARTUP_WAIT_MS = 3000

export default fp<{ config: Config }>(async (app, { config }) => {
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`
  if (config.redisUrl === undefined) {
    const handoff = async (emit: () => void): Promise<void> => { emit() }
    app.decorate('cluster', { enabled: false, nodeId, socketio: {}, connected: () => true, handoff, nodes: () => [nodeId], adminStore: undefined } satisfies Cluster)
    return
  }
  const log = app.log.child({ nodeId })
  const prefix = config.redisKeyPrefix
  const { client, copies } = createRedis({ url: config.redisUrl, log })
  const traffic = new ClusterTraffic()
  const adapterErrors = new AdapterErrors(log)
  const health = new RedisHealth({
    client, timeoutMs: config.redisTimeoutMs, log, prefix: config.metricsPrefix, buckets: parseBuckets(config.metricsLatencyBuckets)
  })
  const handoffs = new Handoffs()
  const membership = new Membership({
    client, key: `${prefix}:nodes`, nodeId, heartbeatMs: config.clusterHeartbeatMs, timeoutMs: config.clusterNodeTimeoutMs, log
  })
  const cluster: Cluster = {
    enabled: true,
    nodeId,
    socketio: {
      adapter: clusterAdapter({
        client, prefix, streamMaxLen: config.redisStreamMaxLen, traffic, errors: adapterErrors, uncounted: new Set([ADMIN_NAMESPACE]), health, handoffs, log
      }) as unknown as ServerOptions['adapter']
    },
    connected: () => health.up(),
    handoff: (emit) => handoffs.watch(emit),
    nodes: () => membership.nodes(),
    adminStore: new RedisAdminStore(client, `${prefix}:admin-session:`, log)
  }
  app.decorate('cluster', cluster)

  // connect() keeps retrying while Redis is away: wait a little so a normal start is ready at
  // once, then go on degraded rather than refuse to start.
  const connecting = client.connect().catch((err: unknown) => log.error({ err }, 'redis client stopped connecting'))
  let waited: NodeJS.Timeout | undefined
  await Promise.race([connecting, new Promise((resolve) => { waited = setTimeout(resolve, STARTUP_WAIT_MS) })])
  clearTimeout(waited)
  membership.start()

  // Optional by default: a Redis blip would otherwise take every node out of the load balancer
  // at once, though each still serves its own clients (docs/scale-out.md, "Readiness").
  app.lifecycle.addCheck('redis', () => {
    const problem = health.problem()
    if (problem !== undefined) throw new Error(problem)
    return `connected; ${membership.nodes().length} node(s) in the cluster`
  }, { required: config.readinessRequiresRedis })

  app.addHook('onReady', async () => {
    // The metrics plugin registers after Socket.IO (it observes the namespaces); its registry
    // exists by now.
    const registry = app.metrics?.registry
    if (!registry) return
    const stream = new StreamStats(client, `${prefix}:stream`, health)
    registerClusterMetrics(registry, config.metricsPrefix, { redisUp: () => health.up(), nodes: cluster.nodes, traffic, adapterErrors, health, stream, expectedNodes: config.clusterExpectedNodes })
  })

  // Runs after socket-io's onClose (reverse registration order): the adapters are closed first.
  app.addHook('onClose', async () => {
    health.stop()
    // Bounded: a frozen Redis would never answer the ZREM that leaves the cluster view.
    await health.track('ZREM', membership.stop(), { timed: false }).catch(() => {})
    // The copies may sit in a blocking XREAD or wait in their offline queue: end them now.
    for (const copy of copies) if (copy.isOpen) copy.destroy()
    // close() waits for every pending reply, which a frozen Redis never sends.
    if (health.up()) {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, config.redisTimeoutMs) })
      await Promise.race([client.close().catch(() => {}), late])
      clearTimeout(timer)
    }
    if (client.isOpen) client.destroy()
  })
}, { fastify: '5.x', name: 'cluster', dependencies: ['lifecycle'] })
