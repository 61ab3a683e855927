// socketgate with metrics on, measuring its own /metrics render when asked over IPC: the render
// itself (registry.metrics()), and for contrast the per-socket work of the prom-client defaults
// the gateway replaced (reading the fd table, listing every handle and resource).
//   node --import tsx bench/scrape-server.ts   (spawned by bench/run.ts with an IPC channel)
import { readdirSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { loadGateway } from './gateway.js'
import { BENCH_LIMITS } from './no-limits.js'

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = async (fn: () => unknown, runs = 30): Promise<number> => {
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    ms.push(performance.now() - start)
  }
  return median(ms)
}

const { createGateway } = await loadGateway()
const gw = await createGateway({ ...BENCH_LIMITS, logLevel: 'warn', demoPage: false, adminUi: false, transports: ['websocket'] })
await gw.listen({ port: 0, host: '127.0.0.1' })
const registry = gw.app.metrics.registry!
process.send!({ ready: (gw.app.server.address() as { port: number }).port })
process.on('message', async () => {
  const body = await registry.metrics()
  const handles = process as unknown as { _getActiveHandles: () => unknown[], getActiveResourcesInfo: () => string[] }
  process.send!({
    sockets: gw.io.of('/').sockets.size,
    renderMs: await time(() => registry.metrics()),
    bytes: Buffer.byteLength(body),
    lines: body.split('\n').length,
    replacedDefaultsMs: {
      readdirFds: await time(() => readdirSync('/proc/self/fd').length, 10),
      activeHandles: await time(() => handles._getActiveHandles().length, 10),
      activeResources: await time(() => handles.getActiveResourcesInfo().length, 10)
    }
  })
})
