// The Socket.IO Admin UI, served by the gateway at /admin and connected to it on the /admin
// namespace. Behind a password unless an explicit insecure switch says otherwise, with a login
// that throttles each address and checks passwords off the event loop; operator actions are
// audited. ADMIN_MODE picks the server side of admin-ui's protocol: the gateway's own for
// `operator` (the default) and `production`, admin-ui's `instrument()` for `development`.
// See docs/admin-ui.md.
import { InMemoryStore } from '@socket.io/admin-ui'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Server } from 'socket.io'
import type { Config } from '../config.js'
import { ADMIN_PATH, serveAdminAssets } from '../admin/assets.js'
import { ADMIN_ACTIONS, auditAdminActions, type AdminAction } from '../admin/audit.js'
import { clusterChannel, singleNodeChannel } from '../admin/channel.js'
import { adminCredentials } from '../admin/credentials.js'
import { instrumentAdmin } from '../admin/instrument.js'
import { containBroadcasts } from '../cluster/guard.js'
import { installLogin, type AdminSessionStore } from '../admin/logins.js'
import { registerAdminMetrics } from '../admin/metrics.js'
import { OPERATOR_ACTIONS, serveOperators } from '../admin/operators.js'
import { PasswordChecker } from '../admin/password-checker.js'
import { SampledLog } from '../admin/sampled-log.js'
import { LoginThrottle } from '../admin/throttle.js'
import { clientAddress } from '../realtime/address.js'

export type { AdminSessionStore } from '../admin/logins.js'

/** The admin UI's own namespace: metrics of user-facing connections leave it out. */
export const ADMIN_NAMESPACE = '/admin'

export interface AdminUiOptions {
  config: Config
  /** @default admin-ui's InMemoryStore (a login holds on this node only) */
  store?: AdminSessionStore
}

/** Counts for the metrics plugin to read at scrape time. */
export interface AdminUiStats {
  namespace: string
  /** Logins refused for a wrong user name or password. */
  loginFailures: number
  /** Logins refused before any check: the address was waiting out its backoff, or the checker was full. */
  loginsThrottled: number
  /** Password checks run (on the worker thread). */
  passwordChecks: () => number
  /** Operators connected to this node now. */
  operators: () => number
  /** Whether an operator is connected to any node, as far as this node knows (operator and production modes). */
  watched: () => boolean
  /** Messages this node sent to the other nodes for admin purposes, by event. */
  clusterMessages: () => ReadonlyMap<string, number>
  /** Operator actions performed, by kind. */
  actions: Record<AdminAction, number>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when ADMIN_UI is on. */
    adminUi: AdminUiStats
  }
}

/** `http://localhost:3000/admin/` for a gateway listening on every interface. */
function adminUrl (app: FastifyInstance): string {
  const bound = app.server.address()
  if (bound === null || typeof bound === 'string') return `${ADMIN_PATH}/` // a Unix socket: no URL to give
  const { address, family, port } = bound
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address
  return `http://${host}:${port}${ADMIN_PATH}/`
}

export default fp<AdminUiOptions>(async (app, { config, store = new InMemoryStore() }) => {
  const { auth, generatedPassword } = await adminCredentials(config)
  const io = app.io as unknown as Server
  const adminNsp = io.of(ADMIN_NAMESPACE)
  const address = (socket: Parameters<typeof clientAddress>[0]): string => clientAddress(socket, config.trustProxy)
  // With Redis away every batch would fail: one line a minute says so.
  const channelLog = new SampledLog({ perWindow: 1 })
  const channel = app.cluster.enabled
    ? clusterChannel(adminNsp, (err) => {
      channelLog.line((suppressed) => { app.log.warn({ err, suppressed }, 'admin UI: a message between nodes failed') })
    })
    : singleNodeChannel()
  const checker = new PasswordChecker()
  const stats: AdminUiStats = {
    namespace: ADMIN_NAMESPACE,
    loginFailures: 0,
    loginsThrottled: 0,
    passwordChecks: () => checker.checks,
    operators: () => adminNsp.sockets.size,
    watched: () => adminNsp.sockets.size > 0,
    clusterMessages: () => channel.sent,
    actions: Object.fromEntries(ADMIN_ACTIONS.map((a) => [a, 0])) as Record<AdminAction, number>
  }
  app.decorate('adminUi', stats)
  const { registry } = app.metrics
  if (registry) registerAdminMetrics(registry, config.metricsPrefix, stats)

  // Anyone can try a password: their lines are sampled, their attempts counted.
  const refusedLog = new SampledLog()
  installLogin(adminNsp, {
    auth,
    store,
    checker,
    address,
    throttle: new LoginThrottle({
      freeAttempts: config.adminLoginFreeAttempts, backoffMs: config.adminLoginBackoffMs, backoffMaxMs: config.adminLoginBackoffMaxMs
    }),
    onRefused: (_socket, from) => {
      stats.loginFailures++
      refusedLog.line((suppressed) => {
        app.log.warn({ address: from, suppressed }, 'admin UI login refused: wrong user name or password')
      })
    },
    onThrottled: (_socket, from, retryAfterMs) => {
      stats.loginsThrottled++
      refusedLog.line((suppressed) => {
        app.log.warn({ address: from, retryAfterMs, suppressed }, 'admin UI login refused unchecked: too many wrong logins from this address, or too many at once')
      })
    },
    onFailure: (err) => { app.log.error({ err }, 'admin UI login failed on the server') }
  })

  let stop: () => void
  if (config.adminMode === 'development') {
    const instrumented = instrumentAdmin(io, {
      // The gateway's login is in front; admin-ui names a server by host name, and nodes sharing
      // a host would show as one.
      auth: false, readonly: config.adminReadonly, mode: 'development', namespaceName: ADMIN_NAMESPACE, serverId: app.cluster.nodeId
    }, { onFailure: (err) => { app.log.error({ err }, 'admin UI failed to serve a page update') } })
    stop = instrumented.stop
    // It relays client payloads as they came: one nested past the stack must not end the process.
    containBroadcasts(adminNsp.adapter as unknown as Parameters<typeof containBroadcasts>[0], (err) => { app.log.error({ err }, 'admin UI could not relay a client event (development mode)') })
    // src/internals/admin-ui.ts: admin-ui changed how it keeps its stats timer.
    if (instrumented.timers.length !== 1) app.log.warn({ package: '@socket.io/admin-ui', timers: instrumented.timers.length }, 'admin-ui started no single stats timer: a closed gateway may keep one running')
  } else {
    const operators = serveOperators({
      io,
      adminNsp,
      mode: config.adminMode,
      readonly: config.adminReadonly,
      listMax: config.adminSocketListMax,
      nodeId: app.cluster.nodeId,
      engineTotals: app.metrics.engineTotals,
      channel,
      address,
      log: app.log
    })
    stop = operators.stop
    stats.watched = () => operators.presence.active()
  }
  app.addHook('onClose', async () => {
    stop()
    await checker.close()
  })
  auditAdminActions(adminNsp, {
    io,
    log: app.log,
    readonly: config.adminReadonly,
    trustProxy: config.trustProxy,
    offered: config.adminMode === 'development' ? new Set(ADMIN_ACTIONS) : OPERATOR_ACTIONS,
    mode: config.adminMode,
    onAction: (action) => { stats.actions[action]++ }
  })

  const page = await serveAdminAssets(app, { mode: config.adminMode })
  for (const missing of page.missingPatches) {
    app.log.warn({ patch: missing }, `admin UI: the bundle changed shape, so ${missing}`)
  }

  // Its URL and how to log in go in the start-up summary; the two cases that need the operator's
  // attention (no password at all, or one that changes at every start) also get a warning.
  app.startupSummary.add(({ baseUrl }) => {
    const url = `${baseUrl ?? ''}${ADMIN_PATH}/`
    const mode = {
      operator: 'operator mode: sockets and rooms, metadata only',
      production: 'dashboards only; ADMIN_MODE=operator lists sockets',
      development: 'development mode: every event payload copied to operators'
    }[config.adminMode]
    const login = auth === false
      ? 'NO password'
      : generatedPassword !== undefined ? `user "${auth.username}", password generated below` : `user "${auth.username}", password of ADMIN_PASSWORD_HASH`
    return {
      key: 'admin',
      label: 'admin UI',
      text: `${url}  (${login}; ${mode}${config.adminReadonly ? '; read-only' : ''})`,
      fields: { url, username: auth === false ? undefined : auth.username, password: auth === false ? 'none' : generatedPassword !== undefined ? 'generated' : 'configured', mode: config.adminMode, readonly: config.adminReadonly }
    }
  })
  app.addHook('onListen', async () => {
    const url = adminUrl(app)
    if (auth === false) {
      app.log.warn({ url }, 'admin UI is open WITHOUT a password (ADMIN_INSECURE_NO_AUTH=true): anyone who reaches it can disconnect clients')
    } else if (generatedPassword !== undefined) {
      // The one place the gateway logs a secret, on purpose: with no hash configured this line is
      // the only way the operator learns the password. It is new at every start.
      app.log.warn({ url, username: auth.username, password: generatedPassword },
        `admin UI: log in at ${url} as "${auth.username}" with the generated password "${generatedPassword}". ` +
        'It changes at every start; to keep one, set ADMIN_PASSWORD_HASH to the output of: npx socketgate hash-password')
    }
    if (config.adminMode === 'development') {
      app.log.warn('admin UI in development mode: every event every client sends or receives, payload included, is copied to the operators (and, with REDIS_URL, through Redis to every node); for local debugging only. ADMIN_MODE=operator lists sockets and rooms without payloads')
    }
  })
}, { fastify: '5.x', name: 'admin-ui', dependencies: ['socket-io', 'cluster', 'metrics', 'startup-summary'] })
