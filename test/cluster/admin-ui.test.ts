// The admin UI across nodes: one login holds on every node (sessions in Redis), and the UI
// connected to one node lists every node as a server.
import bcrypt from 'bcryptjs'
import t from 'tap'
import { createClient } from '../../src/client.js'
import { nextEvent } from '../../src/testing.js'
import { SHARED_REDIS, startCluster, uniquePrefix } from './helpers.js'

const PASSWORD = 'correct horse battery staple'

function adminClient (t: { teardown: (fn: () => void) => void }, url: string, auth: Record<string, string>) {
  const client = createClient(`${url}/admin`, { transports: ['websocket'], reconnection: false, forceNew: true, auth })
  t.teardown(() => { client.disconnect() })
  return client
}

t.test('the admin UI works across the nodes of a cluster', async (t) => {
  const hash = await bcrypt.hash(PASSWORD, 4)
  const [a, b] = await startCluster(t, ['node-a', 'node-b'], {
    redisUrl: SHARED_REDIS, prefix: uniquePrefix(), env: { ADMIN_UI: 'true', ADMIN_PASSWORD_HASH: hash }
  })

  await t.test('a login on node A is a session that node B accepts without the password', async (t) => {
    const onA = adminClient(t, a!.url, { username: 'admin', password: PASSWORD })
    const [sessionId] = await nextEvent<[string]>(onA, 'session', 5000)
    t.type(sessionId, 'string')
    const onB = adminClient(t, b!.url, { sessionId })
    await nextEvent(onB, 'connect', 5000)
    t.ok(onB.connected)
    const stranger = adminClient(t, b!.url, { sessionId: 'not-a-session' })
    const [err] = await nextEvent<[Error]>(stranger, 'connect_error', 5000)
    t.ok(err, 'an unknown session id is still refused')
  })

  // admin-ui names a server by its host name unless told otherwise: nodes sharing a host (these
  // tests) would show as one without the node id the gateway passes.
  await t.test('the UI connected to node A lists both nodes as servers', async (t) => {
    const ui = adminClient(t, a!.url, { username: 'admin', password: PASSWORD })
    const servers = new Set<string>()
    const seen = new Promise<void>((resolve) => {
      ;(ui as any).on('server_stats', (stats: { serverId: string }) => {
        servers.add(stats.serverId)
        if (servers.size === 2) resolve()
      })
    })
    // admin-ui emits its stats every 2 s on each node.
    const timeout = new Promise<never>((_resolve, reject) => { setTimeout(() => reject(new Error(`only saw ${[...servers].join(', ')}`)), 8000).unref() })
    await Promise.race([seen, timeout])
    t.equal(servers.size, 2)
  })
})
