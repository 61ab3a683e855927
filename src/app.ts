// createGateway: builds the Fastify app with its plugins in dependency order. It never listens on
// its own and never reads process.env, so tests and embedding applications build as many
// gateways as they like in one process.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { ServerOptions } from 'socket.io'
import { resolveConfig, type Config, type ConfigInput } from './config.js'
import { GatewayLogController, loggerOptions } from './logging/index.js'
import adminUi from './plugins/admin-ui.js'
import cluster from './plugins/cluster.js'
import demoPage from './plugins/demo-page.js'
import errorHandler from './plugins/error-handler.js'
import eventLimits from './plugins/event-limits.js'
import health from './plugins/health.js'
import lifecycle from './plugins/lifecycle.js'
import limits from './plugins/limits.js'
import metrics from './plugins/metrics.js'
import origins from './plugins/origins.js'
import publishApi from './plugins/publish-api.js'
import realtime from './plugins/realtime.js'
import recovery from './plugins/recovery.js'
import socketIo, { type GatewayServer } from './plugins/socket-io.js'
import startupSummary from './plugins/startup-summary.js'
import { authenticator, type Authenticate } from './realtime/auth.js'
import { drain, type DrainOptions } from './drain.js'

export interface GatewayOptions extends ConfigInput {
  /** Passed to the Socket.IO server as is, after the gateway's own settings (yours win). */
  socketio?: Partial<ServerOptions>
  /** Replaces the strategy chosen by `authMode`. */
  authenticate?: Authenticate
  /** Fastify's `logger` option; defaults to pino at `logLevel`, formatted as `logFormat` says. */
  logger?: FastifyServerOptions['logger']
}

export interface Gateway {
  app: FastifyInstance
  io: GatewayServer
  config: Config
  /** Listens on `config.port`/`config.host` unless given others; resolves with the address. */
  listen: (opts?: { port?: number, host?: string }) => Promise<string>
  /** Readiness 503, new clients refused, connected clients told to reconnect elsewhere, spread over the window. */
  drain: (opts?: Partial<DrainOptions>) => Promise<void>
  close: () => Promise<void>
}

function socketIoOptions (config: Config, accepting: () => boolean, admit: (req: IncomingMessage) => string | undefined, extra: Partial<ServerOptions> = {}): Partial<ServerOptions> {
  const userAllow = extra.allowRequest
  return {
    transports: [...config.transports],
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    maxHttpBufferSize: config.maxHttpBufferSize,
    ...(config.corsOrigins.length > 0
      ? { cors: { origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins] } }
      : {}),
    ...extra,
    // Runs for new engine.io handshakes only (not for requests of live sessions): refused with
    // 403 while draining, so clients retry and the load balancer sends them elsewhere.
    allowRequest: (req, callback) => {
      if (!accepting()) return callback('gateway is draining', false)
      // Per client address (IP_MAX_CONNECTIONS, IP_HANDSHAKE_RATE): 403 with the reason.
      const refused = admit(req)
      if (refused !== undefined) return callback(refused, false)
      if (userAllow) return userAllow(req, callback)
      callback(null, true)
    }
  }
}

export async function createGateway (options: GatewayOptions = {}): Promise<Gateway> {
  const { socketio, authenticate, logger, ...settings } = options
  const config = resolveConfig(settings)
  // Built before Fastify so a bad key (JWT_PUBLIC_KEY) fails before anything is allocated.
  const auth = authenticate ?? authenticator(config)

  const app = Fastify({
    logger: logger ?? loggerOptions(config),
    // One line per request, static files at debug (src/logging).
    logController: new GatewayLogController(),
    trustProxy: config.trustProxy,
    // The publish API carries client payloads: the same ceiling as a Socket.IO packet.
    bodyLimit: config.maxHttpBufferSize,
    // While closing, the lifecycle plugin answers 503 itself, in the gateway's error shape.
    return503OnClosing: false
  })

  // A plugin that fails to register leaves the ones before it running (the cluster's Redis
  // connection, its heartbeat timer, Socket.IO): closing the app runs their onClose hooks, so a
  // failed start releases everything and the process can exit.
  try {
    await app.register(lifecycle)
    // Early, so that every later plugin can add its entry to the start-up log line.
    await app.register(startupSummary, { config })
    await app.register(errorHandler)
    // The cluster's adapter (REDIS_URL) goes to Socket.IO at construction; your `socketio` still wins.
    await app.register(cluster, { config })
    await app.register(recovery, { config })
    await app.register(socketIo, socketIoOptions(config, () => app.lifecycle.accepting, (req) => app.limits.admit(req), app.recovery.socketio({ ...app.cluster.socketio, ...socketio })))
    // Before realtime: the `auth` size check runs before the authentication middleware.
    await app.register(limits, { config })
    await app.register(realtime, { config, authenticate: auth })
    // After realtime: refusing an event comes before counting and tracking it (see the file).
    await app.register(eventLimits, { config })
    // After the namespaces it observes, before the routes whose HTTP durations it records.
    await app.register(metrics, { config })
    // CORS_ORIGINS on every engine.io request; counted, so after metrics.
    await app.register(origins, { config })
    if (config.adminUi) await app.register(adminUi, { config, store: app.cluster.adminStore })
    await app.register(health)
    await app.register(publishApi, { config })
    if (config.demoPage) await app.register(demoPage, { config })
  } catch (err) {
    await app.close().catch((closeErr: unknown) => { app.log.error({ err: closeErr }, 'closing after a failed start failed too') })
    throw err
  }

  return {
    app,
    io: app.io,
    config,
    listen: async (opts = {}) => app.listen({ port: opts.port ?? config.port, host: opts.host ?? config.host }),
    // Not async: a second call must hand back the running drain itself (drain() starts it once).
    drain: (opts = {}) => drain(app, { windowMs: config.drainWindowMs, ackTimeoutMs: config.drainAckTimeoutMs, ...opts }),
    close: async () => app.close()
  }
}
