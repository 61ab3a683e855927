// One server process for bench/delivery.ts. KIND=socketgate: the gateway in its default
// configuration (CONNECTION_RECOVERY=auto) with the publish API, from dist/. KIND=plain: plain
// Socket.IO 4.8 with connection state recovery on (the anchor), with the two things the delivery
// scenario uses: a `room:join` event acked `{ ok: true }`, and POST /api/v1/publish
// `{ namespace, room, event, data }`. Heartbeat from PING_INTERVAL_MS / PING_TIMEOUT_MS (5000).
// With REDIS_URL it is one node of a cluster (bench/delivery-cluster.ts): socketgate's own, or
// plain Socket.IO on @socket.io/redis-streams-adapter, upstream's adapter that restores sessions
// across nodes, with a GET /readyz for HAProxy's check and, on SIGTERM, every connection closed
// at the transport (clients reconnect elsewhere) before exiting. Prints "listening <port>".
import { createServer } from 'node:http'
import { createClient } from '@redis/client'
import { createAdapter } from '@socket.io/redis-streams-adapter'
import { Server } from 'socket.io'
import { loadGateway } from './gateway.js'

const kind = process.env.KIND ?? 'socketgate'
const pingInterval = Number(process.env.PING_INTERVAL_MS ?? 5000)
const pingTimeout = Number(process.env.PING_TIMEOUT_MS ?? 5000)
const port = Number(process.env.PORT ?? 0)
let listening: number

if (kind === 'plain') {
  const http = createServer()
  let adapter = {}
  if (process.env.REDIS_URL) {
    const redis = createClient({ url: process.env.REDIS_URL })
    await redis.connect()
    adapter = { adapter: createAdapter(redis, { streamName: `${process.env.REDIS_KEY_PREFIX ?? 'bench-delivery'}:stream` }) }
  }
  const io = new Server(http, { pingInterval, pingTimeout, connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true }, ...adapter })
  io.on('connection', (socket) => {
    socket.on('room:join', (room: string, ack: (a: unknown) => void) => {
      void socket.join(room)
      ack({ ok: true })
    })
  })
  let stopping = false
  http.on('request', (req, res) => {
    if (req.method === 'GET' && req.url === '/readyz') {
      res.writeHead(stopping ? 503 : 200, { 'content-type': 'application/json' }).end(`{"status":"${stopping ? 'draining' : 'ready'}"}`)
      return
    }
    if (req.method !== 'POST' || req.url !== '/api/v1/publish') return
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      const { namespace = '/', room, event, data } = JSON.parse(body) as { namespace?: string, room: string, event: string, data: unknown }
      io.of(namespace).to(room).emit(event, data)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', () => resolve()))
  listening = (http.address() as { port: number }).port
  process.on('SIGTERM', () => {
    // Upstream has no drain: close every connection at the transport (a Socket.IO disconnect
    // would stop the clients from reconnecting), which makes the adapter save each session to
    // Redis, and give those writes a second.
    stopping = true
    io.engine.close()
    setTimeout(() => process.exit(0), 1000).unref()
  })
} else {
  const { createGateway } = await loadGateway()
  const gw = await createGateway({
    logLevel: process.env.LOG_LEVEL === 'info' ? 'info' : 'warn',
    adminUi: false,
    demoPage: false,
    publishApiKey: process.env.PUBLISH_API_KEY ?? 'delivery-bench-key-0123456789',
    pingIntervalMs: pingInterval,
    pingTimeoutMs: pingTimeout,
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL, redisKeyPrefix: process.env.REDIS_KEY_PREFIX ?? 'bench-delivery', nodeId: process.env.NODE_ID } : {})
  })
  await gw.listen({ port, host: '127.0.0.1' })
  listening = (gw.app.server.address() as { port: number }).port
  process.on('SIGTERM', () => { void gw.drain().then(() => gw.close()).then(() => process.exit(0)) })
}
process.stdout.write(`listening ${listening}\n`)
