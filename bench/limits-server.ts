// The gateway the limits benchmarks (bench/slow-consumers.ts, bench/flood.ts) attack, in its own
// process so that its memory and CPU are its own. Settings from the environment, as `socketgate
// serve` reads them. Prints "READY <port>", then answers its parent's IPC messages:
//   { cmd: 'mem' }                          → { rss, heapUsed } now
//   { cmd: 'flood', bytes, count }          → broadcasts `count` messages of `bytes` to the default
//                                             room, one per event-loop turn, and answers
//                                             { sent, peakRss, peakHeap, connections } when done
//   { cmd: 'limits' }                       → { [limit]: count } from limits_exceeded_total
//   { cmd: 'cpu' }                          → { user, system } µs of CPU used since start
//   node --expose-gc --import tsx bench/limits-server.ts
import { loadGateway } from './gateway.js'

const { createGateway } = await loadGateway()
const { fromEnv } = await import(new URL('../dist/config.js', import.meta.url).href) as typeof import('../src/config.js')
const gw = await createGateway({ ...fromEnv(process.env), logLevel: 'silent', demoPage: false, adminUi: false })
await gw.listen({ port: 0, host: '127.0.0.1' })
const { port } = gw.app.server.address() as { port: number }

const send = (msg: unknown): void => { process.send!(msg) }

process.on('message', async (msg: { cmd: string, bytes?: number, count?: number }) => {
  if (msg.cmd === 'mem') {
    global.gc?.()
    const m = process.memoryUsage()
    send({ rss: m.rss, heapUsed: m.heapUsed })
  } else if (msg.cmd === 'flood') {
    const content = 'x'.repeat(msg.bytes!)
    let peakRss = 0
    let peakHeap = 0
    for (let i = 0; i < msg.count!; i++) {
      gw.io.to('chat-general').emit('message:new', { id: String(i), author: 'bench', content, room: 'chat-general', timestamp: Date.now() })
      if (i % 10 === 0) {
        const m = process.memoryUsage()
        peakRss = Math.max(peakRss, m.rss)
        peakHeap = Math.max(peakHeap, m.heapUsed)
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    send({ sent: msg.count, peakRss, peakHeap, connections: gw.app.connections.size })
  } else if (msg.cmd === 'cpu') {
    send(process.cpuUsage())
  } else if (msg.cmd === 'limits') {
    const json = await gw.app.metrics.registry!.getSingleMetric('socketgate_limits_exceeded_total')!.get()
    send(Object.fromEntries(json.values.map((v) => [v.labels.limit, v.value])))
  }
})
process.on('SIGTERM', () => { gw.close().then(() => process.exit(0), () => process.exit(1)) })
console.log(`READY ${port}`)
