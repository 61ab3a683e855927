// One server for bench/heap-per-connection.ts: plain Socket.IO on node:http, or socketgate with
// its defaults (metrics and admin UI on), both with the echo handler of echo-server.ts. Prints
// "READY <port>"; on the line "heap" prints "HEAP <bytes>" (heapUsed after two full GCs); on
// "snapshot <file>" writes a heap snapshot there and prints "SNAPSHOT <file>".
//   node --expose-gc --import tsx bench/heap-server.ts plain|gateway
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { writeHeapSnapshot } from 'node:v8'
import { Server, type Socket } from 'socket.io'
import { loadGateway } from './gateway.js'
import { BENCH_LIMITS } from './no-limits.js'

const variant = process.argv[2] ?? 'gateway'
const echo = (socket: Socket): void => {
  socket.on('echo', (data: unknown, ack: (d: unknown) => void) => {
    if (typeof ack === 'function') ack(data)
  })
}

async function start (): Promise<number> {
  if (variant === 'plain') {
    const http = createServer()
    const io = new Server(http)
    io.on('connection', (socket) => { echo(socket) })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    return (http.address() as { port: number }).port
  }
  const { createGateway } = await loadGateway()
  // Per-address limits raised (not off): every client comes from 127.0.0.1 here.
  const gw = await createGateway({ ...BENCH_LIMITS, logLevel: 'warn', demoPage: false })
  gw.io.on('connection', (socket) => { echo(socket as unknown as Socket) })
  await gw.listen({ port: 0, host: '127.0.0.1' })
  return (gw.app.server.address() as { port: number }).port
}

const gc = globalThis.gc as () => void
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.trim().split(' ')
  if (cmd === 'heap') {
    gc()
    gc()
    const { heapUsed, rss } = process.memoryUsage()
    process.stdout.write(`HEAP ${heapUsed} ${rss}\n`)
  } else if (cmd === 'snapshot') {
    gc()
    process.stdout.write(`SNAPSHOT ${writeHeapSnapshot(arg)}\n`)
  }
})
start().then((port) => process.stdout.write(`READY ${port}\n`), (err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
