// The Socket.IO Admin UI, served by the gateway at /admin and connected to it on the /admin
// namespace. Behind a password unless an explicit insecure switch says otherwise; operator actions
// are audited; wrong passwords are counted. See docs/admin-ui.md.
import { InMemoryStore } from '@socket.io/admin-ui'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Server } from 'socket.io'
import type { Config } from '../config.js'
import { ADMIN_PATH, serveAdminAssets } from '../admin/assets.js'
import { ADMIN_ACTIONS, auditAdminActions, type AdminAction } from '../admin/audit.js'
import { adminCredentials } from '../admin/credentials.js'
import { registerAdminMetrics } from '../admin/metrics.js'
import { instrumentAdmin } from '../admin/instrument.js'
import { offeredCredentials } from '../admin/logins.js'
import { clientAddress } from '../realtime/address.js'

/** The admin UI's own namespace: metrics of user-facing connections leave it out. */
export const ADMIN_NAMESPACE = '/admin'

/**
 * Where admin-ui keeps login sessions (a session id lets a reload skip the password). Same shape
 * as admin-ui's `InMemoryStore` and `RedisStore`; chosen once at registration.
 */
export interface AdminSessionStore {
  doesSessionExist: (sessionId: string) => Promise<boolean>
  saveSession: (sessionId: string) => void
}

export interface AdminUiOptions {
  config: Config
  /** @default admin-ui's InMemoryStore (a login holds on this node only) */
  store?: AdminSessionStore
}

/** Counts for the metrics plugin to read at scrape time. */
export interface AdminUiStats {
  namespace: string
  /** Handshakes that offered a user name or password and were refused. */
  loginFailures: number
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
  const stats: AdminUiStats = {
    namespace: ADMIN_NAMESPACE,
    loginFailures: 0,
    actions: Object.fromEntries(ADMIN_ACTIONS.map((a) => [a, 0])) as Record<AdminAction, number>
  }
  app.decorate('adminUi', stats)
  const { registry } = app.metrics
  if (registry) registerAdminMetrics(registry, config.metricsPrefix, stats)

  const io = app.io as unknown as Server
  const instrumented = instrumentAdmin(io, {
    // admin-ui names a server by host name; nodes sharing a host would show as one.
    auth, readonly: config.adminReadonly, mode: config.adminMode, namespaceName: ADMIN_NAMESPACE, store, serverId: app.cluster.nodeId
  }, {
    onRefused: (socket) => {
      // A stale session id after a restart is refused too; only password attempts count.
      if (!offeredCredentials(socket)) return
      stats.loginFailures++
      app.log.warn({ address: clientAddress(socket, config.trustProxy) }, 'admin UI login refused: wrong user name or password')
    },
    onFailure: (err) => { app.log.error({ err }, 'admin UI failed to serve a login or a page update') }
  })
  app.addHook('onClose', async () => { instrumented.stop() })
  auditAdminActions(io.of(ADMIN_NAMESPACE), {
    io,
    log: app.log,
    readonly: config.adminReadonly,
    trustProxy: config.trustProxy,
    onAction: (action) => { stats.actions[action]++ }
  })

  const { sameOriginDefault } = await serveAdminAssets(app)
  if (!sameOriginDefault) {
    app.log.warn('admin UI: the bundle changed shape, so the login dialog will not pre-fill this gateway\'s URL; type it in')
  }

  // Its URL and how to log in go in the start-up summary; the two cases that need the operator's
  // attention (no password at all, or one that changes at every start) also get a warning.
  app.startupSummary.add(({ baseUrl }) => {
    const url = `${baseUrl ?? ''}${ADMIN_PATH}/`
    const mode = config.adminMode === 'production' ? 'dashboards only; ADMIN_MODE=development lists single sockets' : 'development mode: every socket and event'
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
  })
}, { fastify: '5.x', name: 'admin-ui', dependencies: ['socket-io', 'cluster', 'metrics', 'startup-summary'] })
