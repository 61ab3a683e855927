// One log line when the gateway listens, naming every URL and mode a new user or an operator
// needs: demo page, admin UI and how to log in, metrics and their port, publish API on or off,
// authentication, cluster, connection state recovery. Plugins contribute their own entries
// (`app.startupSummary.add`) while they register; the entries are read when the address is known.
import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { logFormat } from '../logging/index.js'

export interface SummaryEntry {
  /** Key in the JSON line's `startup` object, and the order of the lines (see ORDER). */
  key: string
  /** Left column of the pretty line: `admin UI`. */
  label: string
  /** What a person reads: a URL and how to use it. */
  text: string
  /** What a machine reads under `startup.<key>`. */
  fields: Record<string, unknown>
}

/** Where the gateway listens, as clients on this machine reach it. */
export interface ListenAddress {
  /** `http://localhost:3000` for a gateway on every interface; undefined on a Unix socket. */
  baseUrl: string | undefined
}

export type SummaryContributor = (address: ListenAddress) => SummaryEntry | undefined

export interface StartupSummary {
  add: (contributor: SummaryContributor) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    startupSummary: StartupSummary
  }
}

const ORDER = ['demo', 'admin', 'metrics', 'api', 'health', 'auth', 'cluster', 'recovery', 'transports']
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

export function baseUrl (app: FastifyInstance): string | undefined {
  const bound = app.server.address()
  if (bound === null || typeof bound === 'string') return undefined
  const { address, family, port } = bound
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address
  return `http://${host}:${port}`
}

/** The gateway's own entries; the admin UI adds its own. */
function coreEntries (app: FastifyInstance, config: Config): SummaryContributor[] {
  const at = (base: string | undefined, path: string): string => base === undefined ? path : base + path
  return [
    ({ baseUrl }) => config.demoPage
      ? { key: 'demo', label: 'demo page', text: `${at(baseUrl, '/')}  (open it in two tabs and chat)`, fields: { url: at(baseUrl, '/') } }
      : undefined,
    ({ baseUrl }) => {
      if (!config.metricsEnabled) return { key: 'metrics', label: 'metrics', text: 'off (METRICS_ENABLED=false)', fields: { enabled: false } }
      const own = app.metrics.address()
      if (own === undefined) return { key: 'metrics', label: 'metrics', text: at(baseUrl, '/metrics'), fields: { url: at(baseUrl, '/metrics') } }
      const host = own.address === '0.0.0.0' || own.address === '::' ? 'localhost' : own.family === 'IPv6' ? `[${own.address}]` : own.address
      const url = `http://${host}:${own.port}/metrics`
      return { key: 'metrics', label: 'metrics', text: `${url}  (METRICS_PORT ${own.port}: not on the main port)`, fields: { url, port: own.port } }
    },
    ({ baseUrl }) => config.publishApiKey === undefined
      ? { key: 'api', label: 'publish API', text: 'off (set PUBLISH_API_KEY, 16+ characters, to turn it on)', fields: { enabled: false } }
      : { key: 'api', label: 'publish API', text: `${at(baseUrl, '/api/v1/publish')}  (Authorization: Bearer $PUBLISH_API_KEY)`, fields: { enabled: true, url: at(baseUrl, '/api/v1/publish') } },
    ({ baseUrl }) => ({ key: 'health', label: 'health', text: `${at(baseUrl, '/healthz')} (liveness), /readyz (readiness)`, fields: { liveness: at(baseUrl, '/healthz'), readiness: at(baseUrl, '/readyz') } }),
    () => {
      if (config.authMode === 'none') return { key: 'auth', label: 'auth', text: 'none: anyone connects; auth.name is the author (AUTH_MODE=jwt for tokens)', fields: { mode: 'none' } }
      const alg = config.jwtSecret !== undefined ? 'HS256, JWT_SECRET' : 'RS256/ES256, JWT_PUBLIC_KEY'
      return { key: 'auth', label: 'auth', text: `jwt (${alg}): clients pass auth.token; mint one with: npx socketgate token --sub alice`, fields: { mode: 'jwt', key: config.jwtSecret !== undefined ? 'secret' : 'public-key' } }
    },
    () => app.cluster.enabled
      ? { key: 'cluster', label: 'cluster', text: `Redis (redis-streams adapter), node ${app.cluster.nodeId}, key prefix ${config.redisKeyPrefix}; ${app.cluster.connected() ? 'connected' : 'NOT connected yet: serving local clients only'}`, fields: { mode: 'redis', nodeId: app.cluster.nodeId, prefix: config.redisKeyPrefix, connected: app.cluster.connected() } }
      : { key: 'cluster', label: 'cluster', text: `single node ${app.cluster.nodeId} (in-memory adapter; REDIS_URL for several)`, fields: { mode: 'single', nodeId: app.cluster.nodeId } },
    () => config.connectionRecovery === false
      ? { key: 'recovery', label: 'recovery', text: 'off (CONNECTION_RECOVERY=auto to recover the sessions of clients that ask)', fields: { enabled: false } }
      : {
          key: 'recovery',
          label: 'recovery',
          text: `${config.connectionRecovery === 'auto' ? 'auto: a client that asks (auth.recovery) and is' : 'on: a client'} back within ${config.connectionRecoveryMaxMs / 1000} s gets its id, rooms and missed events`,
          fields: { enabled: true, mode: String(config.connectionRecovery), maxMs: config.connectionRecoveryMaxMs }
        },
    () => ({ key: 'transports', label: 'transports', text: config.transports.join(', '), fields: { list: [...config.transports] } })
  ]
}

export default fp<{ config: Config }>(async (app, { config }) => {
  const contributors: SummaryContributor[] = []
  app.decorate('startupSummary', { add: (c: SummaryContributor) => { contributors.push(c) } } satisfies StartupSummary)

  app.addHook('onListen', async () => {
    const address: ListenAddress = { baseUrl: baseUrl(app) }
    const entries = [...coreEntries(app, config), ...contributors]
      .map((c) => c(address))
      .filter((e): e is SummaryEntry => e !== undefined)
      .sort((a, b) => (ORDER.indexOf(a.key) + 1 || ORDER.length + 1) - (ORDER.indexOf(b.key) + 1 || ORDER.length + 1))
    const head = `socketgate ${VERSION} ready at ${address.baseUrl ?? 'its socket'} (Node.js ${process.version})`
    const width = Math.max(...entries.map((e) => e.label.length))
    // A person reads one entry per line; a log pipeline gets one line and `startup` to query.
    const msg = logFormat(config.logFormat) === 'pretty'
      ? [head, ...entries.map((e) => `  ${e.label.padEnd(width)}  ${e.text}`)].join('\n')
      : `${head}: ${entries.map((e) => `${e.label} ${e.text}`).join('; ')}`
    app.log.info({ startup: Object.fromEntries(entries.map((e) => [e.key, e.fields])), version: VERSION }, msg)
  })
}, { fastify: '5.x', name: 'startup-summary' })
