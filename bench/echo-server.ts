// One echo server for the benchmark: plain Socket.IO, or socketgate with metrics on or off, all
// with the same handler (ack the payload back). Prints "READY <port>" once listening and, on
// SIGTERM, "CPU {…}": the CPU time it used per ack, which contention from other processes on the
// machine inflates much less than it does throughput.
//   node --import tsx bench/echo-server.ts plain|off|on
import { createServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import { createGateway } from '../src/app.js'

const variant = process.argv[2] ?? 'on'
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

async function main (): Promise<void> {
  if (variant === 'plain') {
    const http = createServer()
    const io = new Server(http, { transports: ['websocket'] })
    io.on('connection', echo)
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    process.stdout.write(`READY ${(http.address() as { port: number }).port}\n`)
    return
  }
  const gw = await createGateway({
    logLevel: 'warn',
    demoPage: false,
    adminUi: false,
    transports: ['websocket'],
    metricsEnabled: variant === 'on'
  })
  gw.io.on('connection', (socket) => echo(socket as unknown as Socket))
  await gw.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(`READY ${(gw.app.server.address() as { port: number }).port}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
