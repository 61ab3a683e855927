// One echo server for the benchmark: plain Socket.IO, or socketgate with metrics on or off, all
// with the same handler (ack the payload back; with FANOUT=1 for bench/fanout.ts, another that
// broadcasts it to the whole namespace, then acks). Prints "READY <port>" once listening and, on
// SIGTERM, "CPU {…}": the CPU time it used per ack since SIGUSR2 (bench/instructions.ts), and
// per ack while it was loaded, user and system apart (bench/run.ts).
//
// Before it says READY, every server goes through what a server that has been up a while has
// been through: nextTick in use, then a full GC while idle. On Node 20 and 24 that leaves
// nextTick on V8's slow path for good unless something keeps it fast (src/tick-shapes.ts does
// in socketgate's server entry); `plain-fresh` skips it, a plain Socket.IO server as it is
// just after start.
// `untimed` is `on` with METRICS_HANDLER_TIMING=false. ADMIN_MODE=<mode> in the environment adds
// the admin UI in that mode (off otherwise).
//   node --import tsx bench/echo-server.ts plain|plain-fresh|off|on|untimed
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Server, type Socket } from 'socket.io'
import { loadGateway } from './gateway.js'
import { BENCH_LIMITS } from './no-limits.js'

const [variant = 'on', fresh] = (process.argv[2] ?? 'on').split('-')
let acks = 0
// Every listener here is an anonymous arrow: tsx gives named functions maps of their own
// (gateway.ts), which a listener would bring to Node's EventEmitter.emit in one variant only.
const echo = (socket: Socket): void => {
  socket.on('echo', (data: unknown, ack: (d: unknown) => void) => {
    acks++
    if (typeof ack === 'function') ack(data)
  })
  // bench/fanout.ts (FANOUT=1): one broadcast to every socket of the namespace, then the ack.
  if (process.env.FANOUT !== '1') return
  socket.on('fanout', (data: unknown, ack: () => void) => {
    acks++
    socket.nsp.emit('fanout', data)
    if (typeof ack === 'function') ack()
  })
}

// CPU per ack while loaded: 100 ms samples of CPU time and acks, of which only those count that
// answered acks and whose neighbours did too, i.e. lay wholly inside one of the load
// generator's turns on this server. Idle turns (and the timers that run in them) stay out.
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

// SIGUSR2 starts the measured window: start-up and warm-up CPU are not counted.
let baseline = process.cpuUsage()
process.on('SIGUSR2', () => {
  baseline = process.cpuUsage()
  // The sampler's delta stays right across the reset.
  lastAcks -= acks
  acks = 0
})

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
  const { user, system } = process.cpuUsage(baseline)
  const cpu = { cpuMs: Math.round((user + system) / 1000), acks, usPerAck: Number(((user + system) / acks).toFixed(2)), loaded: loaded() }
  process.stdout.write(`CPU ${JSON.stringify(cpu)}\n`, () => process.exit(0))
})

/** Ticks, then a full GC with no tick object alive: what an idle hour does to a server. */
async function idleGc (): Promise<void> {
  for (let i = 0; i < 50; i++) process.nextTick(() => {})
  await sleep(50)
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
  await sleep(50)
}

async function main (): Promise<void> {
  if (variant === 'plain') {
    const http = createServer()
    const io = new Server(http, { transports: ['websocket'] })
    io.on('connection', (socket) => { echo(socket) })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    if (fresh !== 'fresh') await idleGc()
    process.stdout.write(`READY ${(http.address() as { port: number }).port}\n`)
    return
  }
  // Loaded only here, and with nextTick's shapes kept as the server entry keeps them
  // (src/tick-shapes.ts): the plain server runs without that. From dist/, built by the driver
  // (see gateway.ts).
  const { createGateway } = await loadGateway()
  // ADMIN_MODE (env) turns the admin UI on in that mode (bench/RESULTS.md, "Admin UI").
  const adminMode = process.env.ADMIN_MODE as 'operator' | 'production' | 'development' | undefined
  const gw = await createGateway({ ...BENCH_LIMITS,
    logLevel: 'warn',
    demoPage: false,
    adminUi: adminMode !== undefined,
    ...(adminMode ? { adminMode, adminInsecureNoAuth: true } : {}),
    transports: ['websocket'],
    metricsEnabled: variant !== 'off',
    metricsHandlerTiming: variant !== 'untimed'
  })
  gw.io.on('connection', (socket) => { echo(socket as unknown as Socket) })
  await gw.listen({ port: 0, host: '127.0.0.1' })
  await idleGc()
  process.stdout.write(`READY ${(gw.app.server.address() as { port: number }).port}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
