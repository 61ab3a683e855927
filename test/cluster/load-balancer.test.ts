// Behind the sticky load balancer of deploy/haproxy.cfg: polling clients stay on one node, the
// client's address reaches the gateway in X-Forwarded-For, and when a node is killed its clients
// reconnect to the others and recover what they missed.
import t from 'tap'
import { connectClient, nextEvent } from '../../src/testing.js'
import type { GatewayClient } from '../../src/client.js'
import { loggedAddresses, metricsOf, metricValue, nodeOf, SHARED_REDIS, startCluster, startHaproxy, staysOnItsNode, uniquePrefix, waitFor } from './helpers.js'

t.test('polling clients behind the sticky load balancer', async (t) => {
  const nodes = await startCluster(t, ['node-a', 'node-b', 'node-c'], {
    redisUrl: SHARED_REDIS, prefix: uniquePrefix(), env: { CONNECTION_RECOVERY: 'true', TRUST_PROXY: 'true' }
  })
  const lb = await startHaproxy(t, nodes)
  const clients: GatewayClient[] = []
  for (let i = 0; i < 6; i++) {
    // withCredentials: the Node.js client then keeps the load balancer's SERVERID cookie.
    const client = await connectClient(t, lb, {
      transports: ['polling'], withCredentials: true, reconnection: true, reconnectionDelay: 1500, randomizationFactor: 0
    })
    t.same(await client.timeout(3000).emitWithAck('room:join', `client-${i}`), { ok: true })
    clients.push(client)
  }
  const unexpected: string[] = []
  clients.forEach((c, i) => c.on('disconnect', (reason) => unexpected.push(`client-${i}: ${reason}`)))

  const homes = await Promise.all(clients.map((_c, i) => nodeOf(nodes, `client-${i}`)))
  t.equal(new Set(homes.map((n) => n.name)).size, 3, 'new sessions are spread over the three nodes')

  await t.test('each polling client stays on its node across many requests and works end to end', (t) => staysOnItsNode(t, nodes, clients, homes, unexpected))

  await t.test('the gateway sees the client\'s address, not the X-Forwarded-For the client sent', async (t) => {
    t.same(await loggedAddresses(lb, nodes, '127.0.8.1'), ['127.0.8.1'])
  })

  await t.test('a node killed with SIGKILL: its clients reconnect through the load balancer and recover missed messages', async (t) => {
    const victim = homes[0]!
    const orphans = clients.filter((_c, i) => homes[i] === victim)
    const survivors = nodes.filter((n) => n !== victim)
    const gone = orphans.map((c) => nextEvent<[string]>(c, 'disconnect', 10_000))
    await victim.kill()
    for (const [reason] of await Promise.all(gone)) t.match(reason, /transport (error|close)/)

    // Published while the orphans are away (they retry after 1.5 s): only recovery can bring it back.
    const back = orphans.map((c) => nextEvent(c, 'connect', 15_000))
    const missed = orphans.map((c) => nextEvent<[{ n: number }]>(c, 'missed', 15_000))
    const res = await survivors[0]!.publish({ event: 'missed', data: { n: 42 } })
    t.equal(res.status, 200)
    await Promise.all(back)
    for (const [data] of await Promise.all(missed)) t.same(data, { n: 42 })
    for (const c of orphans) t.equal(c.recovered, true, 'the session was recovered on another node')
    for (const [i, c] of clients.entries()) {
      if (homes[i] !== victim) continue
      t.not((await nodeOf(survivors, `client-${i}`)).name, victim.name)
      t.ok(c.connected)
    }

    for (const node of survivors) {
      const view = await waitFor(`${node.name} to drop ${victim.name} from its cluster view`, async () => {
        const { body } = await node.get('/readyz')
        return body.checks.redis.status.includes('2 node(s)') ? body : undefined
      }, 5000)
      t.match(view.checks.redis, { ok: true })
      t.equal(metricValue(await metricsOf(node), 'socketgate_cluster_nodes'), 2, `${node.name}: cluster_nodes is 2`)
    }
  })
})
