// Node death and rolling restarts, in the default configuration (CONNECTION_RECOVERY=auto) with
// clients that ask for recovery (socketgate/client): two nodes on Redis behind the HAProxy of
// deploy/haproxy.cfg, a backend publishing numbered messages through the surviving node, and one
// node killed (SIGKILL) or drained (SIGTERM) mid-run. Its clients reconnect through the load
// balancer to the other node and recover there: every client gets every message exactly once.
import t from 'tap'
import { connectClient } from '../../src/testing.js'
import type { GatewayClient } from '../../src/client.js'
import { metricsOf, metricValue, SHARED_REDIS, startCluster, startHaproxy, uniquePrefix, waitFor } from '../cluster/helpers.js'

const COUNT = 60
const KILL_AT = 20

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  t.test(`a node stopped with ${signal}: its clients recover on the other node, every message once`, async (t) => {
    const nodes = await startCluster(t, ['node-a', 'node-b'], {
      redisUrl: SHARED_REDIS, prefix: uniquePrefix(), env: { DRAIN_WINDOW_MS: '500', SHUTDOWN_TIMEOUT_MS: '5000' }
    })
    const [victim, survivor] = nodes as [typeof nodes[0], typeof nodes[0]]
    const lb = await startHaproxy(t, nodes)
    const clients: GatewayClient[] = []
    const seen: number[][] = []
    let cut = 0
    for (let i = 0; i < 8; i++) {
      const client = await connectClient(t, lb, { transports: ['websocket'], reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 500 })
      const got: number[] = []
      client.on('tick' as never, ((data: { n: number }) => { got.push(data.n) }) as never)
      client.on('disconnect', () => { cut++ })
      clients.push(client)
      seen.push(got)
    }
    const onVictim = metricValue(await metricsOf(victim), 'socketgate_sockets_connected', 'namespace="/"') ?? 0
    t.ok(onVictim > 0, `${onVictim} of the clients are on ${victim.name}`)

    const refused: number[] = []
    for (let n = 1; n <= COUNT; n++) {
      const res = await survivor.publish({ event: 'tick', room: 'chat-general', data: { n } })
      if (res.status !== 200) refused.push(n)
      if (n === KILL_AT) {
        if (signal === 'SIGKILL') await victim.kill()
        else victim.child.kill('SIGTERM')
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.same(refused, [], 'every publish accepted')
    await waitFor('every client to get the last message', () => seen.every((got) => got.includes(COUNT)) ? true : undefined, 20_000)
    t.equal(cut, onVictim, 'the clients of the stopped node were cut, the others not')
    const all = Array.from({ length: COUNT }, (_, i) => i + 1)
    for (const [i, got] of seen.entries()) t.same(got, all, `client ${i}: every message once, in order`)
    for (const c of clients) t.ok(c.connected)
    const metrics = await metricsOf(survivor)
    const reason = signal === 'SIGKILL' ? 'taken_over' : 'resumed'
    const recovered = metricValue(metrics, 'socketgate_connection_recoveries_total', `namespace="/",outcome="recovered",reason="${reason}"`)
    t.equal(recovered, onVictim, `${survivor.name} recovered each of them`)
  })
}
