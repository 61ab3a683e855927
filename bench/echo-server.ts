// One echo server for the benchmark: plain Socket.IO, or socketgate with metrics on or off, all
// with the same handler (ack the payload back). Prints "READY <port>" once listening.
//   node --import tsx bench/echo-server.ts plain|off|on
import { createServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import { createGateway } from '../src/app.js'

const variant = process.argv[2] ?? 'on'
const echo = (socket: Socket): void => {
  socket.on('echo', (data: unknown, ack: (d: unknown) => void) => { if (typeof ack === 'function') ack(data) })
}

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
