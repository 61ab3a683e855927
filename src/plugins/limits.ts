// The limits that protect the gateway from one client or one address (docs/security.md): bytes
// held for a slow consumer, pongs nobody asked for, connections and handshakes per address, the
// size of a CONNECT's `auth`, unfinished WebSocket messages and HTTP bodies. Registered before
// the namespaces' authentication, whose middleware must come after the `auth` size check.
import type { IncomingMessage } from 'node:http'
import type { Socket as EngineSocket } from 'engine.io'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { HandshakeError, SocketErrorCode } from '../errors.js'
import { AddressLimits } from '../limits/addresses.js'
import { jsonFits } from '../limits/json-size.js'
import { OutboundLimit } from '../limits/outbound.js'
import { PartialMessages, packetReceived } from '../limits/partial.js'
import { limitReporter, type LimitReport } from '../limits/report.js'
import { requestAddress } from '../realtime/address.js'

export interface AppLimits {
  /** For engine.io's allowRequest: undefined when the handshake may go on, else why not. */
  admit: (req: IncomingMessage) => string | undefined
  addresses: AddressLimits
  report: LimitReport
  /** A connection's client address, as TRUST_PROXY says (computed once, at its handshake). */
  addressOf: (conn: EngineSocket) => string
}

declare module 'fastify' {
  interface FastifyInstance {
    limits: AppLimits
  }
}

export default fp<{ config: Config }>(async (app, { config }) => {
  const report = limitReporter(app.log, () => app.metrics.limitExceeded)
  const addresses = new AddressLimits({
    maxConnections: config.ipMaxConnections, handshakeRate: config.ipHandshakeRate, handshakeBurst: config.ipHandshakeBurst, cooldownMs: config.eventRateCooldownMs
  }, report)
  const known = new WeakMap<EngineSocket, string>()
  const addressOf = (conn: EngineSocket): string => known.get(conn) ?? requestAddress(conn.request, config.trustProxy)

  const engine = app.io.engine
  // One listener for every connection (it finds the address in `known`), not a closure and a
  // `once` wrapper per connection; engine.io emits "close" once.
  function closed (this: EngineSocket): void { addresses.closed(known.get(this)!) }
  engine.on('connection', (conn: EngineSocket) => {
    const address = requestAddress(conn.request, config.trustProxy)
    known.set(conn, address)
    addresses.opened(address)
    conn.on('close', closed)
  })
  const outbound = new OutboundLimit(config.outboundBufferMaxBytes, report, addressOf, app.internals.engineIo)
  outbound.attach(engine)
  // Without ws's receiver shape (src/internals/ws.ts) WebSocket messages are not bounded; HTTP bodies still are.
  const partial = new PartialMessages(config.partialMessageTimeoutMs, report, addressOf, app.internals.engineIo)
  if (app.internals.ws.receiver) {
    partial.attach(engine)
    outbound.received = packetReceived
  }
  app.addHook('onClose', async () => { partial.close() })

  // A request body (a polling POST, a publish) not received whole within
  // PARTIAL_MESSAGE_TIMEOUT_MS: its socket is destroyed, whoever was reading the body.
  app.server.on('request', (req: IncomingMessage) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.complete) return
    const timer = setTimeout(() => {
      if (req.complete) return
      report('partial_message', { address: requestAddress(req, config.trustProxy), method: req.method, timeoutMs: config.partialMessageTimeoutMs },
        'HTTP request cut off: its body was not received whole within PARTIAL_MESSAGE_TIMEOUT_MS')
      req.socket.destroy()
    }, config.partialMessageTimeoutMs)
    timer.unref()
    req.once('close', () => { clearTimeout(timer) })
  })

  // Before the authentication middleware (src/plugins/realtime.ts): a large `auth` is refused
  // before a strategy spends time on it, and is not kept for the socket's life.
  for (const name of ['/', ...config.namespaces]) {
    app.io.of(name).use((socket, next) => {
      if (jsonFits(socket.handshake.auth, config.authMaxBytes)) return next()
      report('auth_size', { sid: socket.id, nsp: name, address: addressOf(socket.conn as unknown as EngineSocket), max: config.authMaxBytes }, 'connect refused: auth payload too large')
      next(new HandshakeError(SocketErrorCode.AuthTooLarge, `auth is larger than ${config.authMaxBytes} bytes (AUTH_MAX_BYTES); send a token, not data`))
    })
  }

  app.decorate('limits', {
    admit: (req: IncomingMessage) => addresses.admit(requestAddress(req, config.trustProxy)),
    addresses,
    report,
    addressOf
  } satisfies AppLimits)
}, { fastify: '5.x', name: 'limits', dependencies: ['socket-io'] })
