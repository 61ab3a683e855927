// One gateway for the admin UI benchmark (bench/admin.ts): socketgate from dist/ with metrics on,
// an echo handler on "/" (ack the payload back), and ADMIN_MODE from argv (`off`: ADMIN_UI=false).
// The admin password is ADMIN_BENCH_HASH's; TRUST_PROXY=true takes X-Forwarded-For. Prints
// "READY <port>"; answers "heap" over IPC with its heap after a full GC, "cpu" with its CPU time
// (every thread); on SIGTERM prints "CPU {…}", its CPU time per ack while loaded (user
// and system apart), counted as bench/echo-server.ts does.
//   node --expose-gc --import tsx bench/admin-server.ts off|production|operator|development
import { loadGateway } from './gateway.js'
import { BENCH_LIMITS } from './no-limits.js'

const mode = process.argv[2] ?? 'operator'
let acks = 0

interface Sample { user: number, system: number, acks: number }
const samples: Sample[] = []
let lastCpu = process.cpuUsage()
let lastAcks = 0
setInterval(() => {
  const cpu = process.cpuUsage()
  samples.push({ user: cpu.user - lastCpu.user, system: cpu.system - lastCpu.system, acks: acks - lastAcks })
  lastCpu = cpu
  lastAcks = acks
}, 100).unref()

/** CPU per ack over the 100 ms samples that lay wholly inside the load generator's turns here. */
function loaded (): { userUs: number, systemUs: number, acks: number } {
  let user = 0
  let system = 0
  let n = 0
  for (let i = 1; i + 1 < samples.length; i++) {
    if (samples[i - 1]!.acks > 0 && samples[i]!.acks > 0 && samples[i + 1]!.acks > 0) {
      user += samples[i]!.user
      system += samples[i]!.system
      n += samples[i]!.acks
    }
  }
  return { userUs: Number((user / n).toFixed(3)), systemUs: Number((system / n).toFixed(3)), acks: n }
}

process.on('SIGTERM', () => {
  process.stdout.write(`CPU ${JSON.stringify({ loaded: loaded() })}\n`, () => process.exit(0))
})

const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg) => {
  // Process-wide (every thread, the password checker's worker included), in µs.
  if (msg === 'cpu') return process.send!({ cpu: process.cpuUsage() })
  if (msg !== 'heap' || !gc) return
  gc()
  gc()
  const { heapUsed, rss } = process.memoryUsage()
  process.send!({ heapUsed, rss })
})

const { createGateway } = await loadGateway()
const gw = await createGateway({ ...BENCH_LIMITS,
  logLevel: 'warn',
  demoPage: false,
  transports: ['websocket'],
  adminUi: mode !== 'off',
  trustProxy: process.env.TRUST_PROXY === 'true',
  ...(mode === 'off' ? {} : { adminMode: mode as 'operator' | 'production' | 'development', adminPasswordHash: process.env.ADMIN_BENCH_HASH })
})
gw.io.on('connection', (socket) => {
  ;(socket as unknown as { on: (e: string, fn: (d: unknown, ack: (d: unknown) => void) => void) => void }).on('echo', (data, ack) => {
    acks++
    if (typeof ack === 'function') ack(data)
  })
})
await gw.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(gw.app.server.address() as { port: number }).port}\n`)
