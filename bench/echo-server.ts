// One echo server for the benchmark: plain Socket.IO, or socketgate with metrics on or off, all
// with the same handler (ack the payload back). Prints "READY <port>" once listening and, on
// SIGTERM, "CPU {…}": the CPU time it used per ack, which contention from other processes on the
// machine inflates much less than it does throughput.
//
// Before it says READY, every server goes through what a server that has been up a while has
// been through: nextTick in use, then a full GC while idle. On Node 20 and 24 that leaves
// nextTick on V8's slow path for good unless something keeps it fast (src/tick-shapes.ts does
// in socketgate); `plain-fresh` skips it, a plain Socket.IO server as it is just after start.
//   node --import tsx bench/echo-server.ts plain|plain-fresh|off|on
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Server, type Socket } from 'socket.io'

const [variant = 'on', fresh] = (process.argv[2] ?? 'on').split('-')
let acks = 0
const echo = (socket: Socket): void => {
  socket.on('echo', (data: unknown, ack: (d: unknown) => void) => {
    acks++
    if (typeof ack === 'function') ack(data)
  })
}
// SIGUSR2 starts the measured window: start-up and warm-up CPU are not counted.
let baseline = process.cpuUsage()
process.on('SIGUSR2', () => {
  baseline = process.cpuUsage()
  acks = 0
})
process.on('SIGTERM', () => {
  const { user, system } = process.cpuUsage(baseline)
  process.stdout.write(`CPU ${JSON.stringify({ cpuMs: Math.round((user + system) / 1000), acks, usPerAck: Number(((user + system) / acks).toFixed(2)) })}\n`, () => process.exit(0))
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
    io.on('connection', echo)
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    if (fresh !== 'fresh') await idleGc()
    process.stdout.write(`READY ${(http.address() as { port: number }).port}\n`)
    return
  }
  // Imported only here: socketgate's modules change the process (src/tick-shapes.ts), and the
  // plain server must run without them.
  const { createGateway } = await import('../src/app.js')
  const gw = await createGateway({
    logLevel: 'warn',
    demoPage: false,
    adminUi: false,
    transports: ['websocket'],
    metricsEnabled: variant === 'on'
  })
  gw.io.on('connection', (socket) => echo(socket as unknown as Socket))
  await gw.listen({ port: 0, host: '127.0.0.1' })
  await idleGc()
  process.stdout.write(`READY ${(gw.app.server.address() as { port: number }).port}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
