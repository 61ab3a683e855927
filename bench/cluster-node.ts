// One gateway process for bench/cluster-broadcast.ts. ADAPTER=streams uses the gateway's own
// cluster (REDIS_URL), ADAPTER=classic the @socket.io/redis-adapter it did not choose, and
// ADAPTER=memory a single node. Prints "listening <port>" when ready.
import { createClient } from '@redis/client'
import { createAdapter } from '@socket.io/redis-adapter'
import { loadGateway } from './gateway.js'
import { BENCH_LIMITS } from './no-limits.js'

const adapter = process.env.ADAPTER ?? 'memory'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = process.env.BENCH_PREFIX ?? 'bench'
let socketio = {}
if (adapter === 'classic') {
  const pub = createClient({ url: redisUrl })
  const sub = pub.duplicate()
  await Promise.all([pub.connect(), sub.connect()])
  socketio = { adapter: createAdapter(pub, sub, { key: prefix }) }
}
const { createGateway } = await loadGateway()
const gw = await createGateway({ ...BENCH_LIMITS,
  logLevel: 'warn',
  adminUi: false,
  demoPage: false,
  metricsEnabled: true,
  ...(adapter === 'streams' ? { redisUrl, redisKeyPrefix: prefix } : {}),
  socketio
})
await gw.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening ${(gw.app.server.address() as { port: number }).port}\n`)
process.on('SIGTERM', () => { process.exit(0) })
