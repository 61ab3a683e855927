// Enforces CORS_ORIGINS (src/realtime/origins.ts) on every engine.io request: handshakes, polling
// requests of live sessions and WebSocket upgrades alike, through engine.io's public middleware
// (`engine.use`), which runs before engine.io looks at the request. A refusal is a 403 with the
// gateway's error body; for an upgrade, written on the socket before it is closed.
import { ServerResponse, type IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { SampledLog } from '../admin/sampled-log.js'
import type { Config } from '../config.js'
import { OriginForbidden } from '../errors.js'
import { originCheck } from '../realtime/origins.js'

function refuse (req: IncomingMessage, res: unknown, message: string): void {
  const err = new OriginForbidden(message)
  const body = JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })
  if (res instanceof ServerResponse) {
    res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
    res.end(body)
    return
  }
  // An upgrade: engine.io's own refusal would be a 400 with no body; say 403 and why.
  const socket = req.socket
  socket.on('error', () => {})
  if (socket.writable) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroySoon()
}

export default fp<{ config: Config }>(async (app, { config }) => {
  // Nothing to check: no middleware, so engine.io keeps its fast path (no promise per request).
  if (config.corsOrigins.includes('*')) return
  const check = originCheck({ allowed: config.corsOrigins, trustProxy: config.trustProxy })
  const sampled = new SampledLog({ perWindow: 5, windowMs: 60_000 })
  app.io.engine.use((req: IncomingMessage, res: unknown, next: (err?: Error) => void) => {
    const problem = check(req.headers)
    if (problem === undefined) return next()
    app.metrics.limitExceeded('origin')
    sampled.line((suppressed) => {
      app.log.warn({ origin: req.headers.origin, host: req.headers.host, url: req.url, suppressed }, 'connection refused: origin not allowed')
    })
    // next() is never called: engine.io stops here, and the request is answered above.
    refuse(req, res, problem)
  })
}, { fastify: '5.x', name: 'origins', dependencies: ['socket-io', 'metrics'] })
