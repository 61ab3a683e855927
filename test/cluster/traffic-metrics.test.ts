// The cross-node message counters count client and application traffic: every message type
// exists at 0 from start-up, and the admin UI's namespace is left out (its messages are
// socketgate_admin_cluster_messages_total). Two nodes in one process on the shared Redis.
import { once } from 'node:events'
import t from 'tap'
import { startGateway } from '../../src/testing.js'
import { metricValue, SHARED_REDIS, uniquePrefix, waitFor } from './helpers.js'

const TYPES = ['initial_heartbeat', 'heartbeat', 'broadcast', 'sockets_join', 'sockets_leave', 'disconnect_sockets', 'fetch_sockets',
  'fetch_sockets_response', 'server_side_emit', 'server_side_emit_response', 'broadcast_client_count', 'broadcast_ack', 'adapter_close', 'other']

type Emitter = { on: (e: string, fn: (...args: unknown[]) => void) => void, serverSideEmit: (e: string, ...args: unknown[]) => void }

t.test('cluster_messages_* exist at 0 for every type and count the admin namespace out', async (t) => {
  const options = { redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminUi: false }
  const a = await startGateway(t, { ...options, nodeId: 'traffic-a' })
  const b = await startGateway(t, { ...options, nodeId: 'traffic-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  const scrape = async () => (await a.app.inject({ url: '/metrics' })).body

  const fresh = await scrape()
  for (const type of TYPES) {
    t.equal(metricValue(fresh, 'socketgate_cluster_messages_published_total', `type="${type}"`), 0, `published ${type} at 0`)
    t.equal(metricValue(fresh, 'socketgate_cluster_messages_received_total', `type="${type}"`), 0, `received ${type} at 0`)
  }

  // The admin UI talks between nodes with serverSideEmit on its own namespace, as here.
  // Namespaces made now subscribe a moment later: send until one arrives.
  const adminOnA = a.io.of('/admin') as unknown as Emitter
  let heard = 0
  ;(b.io.of('/admin') as unknown as Emitter).on('socketgate:admin:probe', () => { heard++ })
  await waitFor('an admin message to cross', () => {
    if (heard > 0) return true
    adminOnA.serverSideEmit('socketgate:admin:probe')
    return undefined
  })
  const appOnB = once(b.io as unknown as NodeJS.EventEmitter, 'app:probe')
  ;(a.io as unknown as Emitter).serverSideEmit('app:probe')
  await appOnB
  const page = await scrape()
  t.equal(metricValue(page, 'socketgate_cluster_messages_published_total', 'type="server_side_emit"'), 1, 'the application\'s message counts, the admin one does not')
})
