// Serves the Prometheus metrics: GET /metrics on the main port, or on METRICS_PORT alone so it
// need not be public. Text format by default, OpenMetrics when the scraper's Accept asks for it.
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fp from 'fastify-plugin'
import type { Registry } from 'prom-client'
import { parseBuckets, type Config } from '../config.js'
import { MetricsBusy, NotFound } from '../errors.js'
import { GatewayMetrics, type EngineTotals, type MetricsApi } from '../metrics/index.js'
import { wantsOpenMetrics } from '../metrics/render.js'
import { ScrapeGate } from '../metrics/scrape-gate.js'
import { ADMIN_NAMESPACE } from './admin-ui.js'

export interface AppMetrics extends MetricsApi {
  /** The app's own registry; undefined when METRICS_ENABLED=false. */
  registry: Registry | undefined
  /** Where the separate metrics listener is (METRICS_PORT), once the gateway is ready. */
  address: () => AddressInfo | undefined
  /** Engine.IO totals since start; undefined when METRICS_ENABLED=false. */
  engineTotals: () => EngineTotals | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics
  }
}

/** The publish route, whose requests are also counted by status (publish_requests_total). */
const PUBLISH_ROUTE = '/api/v1/publish'

const disabled: AppMetrics = { registry: undefined, address: () => undefined, engineTotals: () => undefined, published: () => {}, refused: () => {}, limitExceeded: () => {}, unhandledRejection: () => {}, rejected: () => {} }

/** The chat protocol's events (src/realtime/events.ts): always labelled, at 0 from start-up. */
const CHAT_EVENTS = ['room:join', 'room:leave', 'message:send']
function declaredEvents (config: Config) {
  const own = config.metricsEvents.split(',').map((e) => e.trim()).filter((e) => e !== '')
  const sent = ['message:new', 'auth:expired', ...(config.connectionRecovery ? ['session:ready'] : [])]
  return { received: [...CHAT_EVENTS, ...own], acked: CHAT_EVENTS, sent: [...sent, ...own] }
}

type Rendered = { body: Buffer, contentType: string }
/** One gate per format; undefined when the scrape is refused (too many waiting). */
type Scrape = (accept: string | undefined) => Promise<Rendered> | undefined

const busy = new MetricsBusy()
const TOO_MANY = JSON.stringify({ ok: false, error: { code: busy.code, message: busy.message } })

function separateListener (scrape: Scrape, onError: (err: unknown) => void): HttpServer {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') {
      const err = new NotFound(req.method, path)
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ ok: false, error: { code: err.code, message: err.message } }))
      return
    }
    const rendered = scrape(req.headers.accept)
    if (!rendered) {
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' })
      res.end(TOO_MANY)
      return
    }
    rendered.then(({ body, contentType }) => {
      res.writeHead(200, { 'content-type': contentType })
      res.end(body)
    }, (err: unknown) => {
      onError(err)
      res.writeHead(500).end()
    })
  })
}

export default fp<{ config: Config }>(async (app, { config }) => {
  if (!config.metricsEnabled) {
    app.decorate('metrics', disabled)
    return
  }
  const metrics = new GatewayMetrics(app.io, app.connections, {
    prefix: config.metricsPrefix,
    eventLabelLimit: config.metricsEventLabelLimit,
    latencyBuckets: parseBuckets(config.metricsLatencyBuckets),
    connectionBuckets: parseBuckets(config.metricsConnectionBuckets),
    roomSizeBuckets: parseBuckets(config.metricsRoomSizeBuckets),
    handlerTiming: config.metricsHandlerTiming,
    slowClientPackets: config.metricsSlowClientPackets,
    // The admin UI's own sockets are operators, not clients.
    excludeNamespaces: config.adminUi ? [ADMIN_NAMESPACE] : [],
    declaredEvents: declaredEvents(config)
  })

  // Renders spaced and shared (src/metrics/scrape-gate.ts): a scrape flood costs a bounded CPU.
  // Encoded once per render: the scrapes sharing it send the same bytes.
  const render = async (openMetrics: boolean): Promise<Rendered> => {
    const { body, contentType } = await metrics.render(openMetrics)
    return { body: Buffer.from(body), contentType }
  }
  const gate = (openMetrics: boolean) => new ScrapeGate(() => render(openMetrics), {
    intervalMs: config.metricsRenderIntervalMs, maxWaiting: config.metricsScrapeQueueMax
  })
  const gates = { text: gate(false), open: gate(true) }
  const scrape: Scrape = (accept) => {
    const rendered = (wantsOpenMetrics(accept) ? gates.open : gates.text).scrape()
    if (!rendered) metrics.limitExceeded('metrics_scrape')
    return rendered
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)'
    metrics.http(req.method, route, reply.statusCode, reply.elapsedTime / 1000)
    if (route === PUBLISH_ROUTE) metrics.publishStatus(reply.statusCode)
  })

  let listener: HttpServer | undefined
  if (config.metricsPort === undefined) {
    app.get('/metrics', { logLevel: 'warn' }, async (req, reply) => {
      const rendered = scrape(req.headers.accept)
      if (!rendered) return reply.code(429).header('retry-after', '1').type('application/json; charset=utf-8').send(TOO_MANY)
      const { body, contentType } = await rendered
      return reply.type(contentType).send(body)
    })
  } else {
    const port = config.metricsPort
    listener = separateListener(scrape, (err) => app.log.error({ err }, 'rendering metrics failed'))
    // onReady, not onListen: a port already in use then fails the gateway's start.
    app.addHook('onReady', async () => {
      await new Promise<void>((resolve, reject) => {
        listener!.once('error', reject)
        listener!.listen(port, config.host, () => {
          listener!.off('error', reject)
          resolve()
        })
      })
    })
    app.addHook('onClose', async () => {
      if (!listener!.listening) return
      listener!.closeAllConnections()
      await new Promise<void>((resolve) => { listener!.close(() => resolve()) })
    })
  }

  app.decorate('metrics', {
    registry: metrics.registry,
    address: () => (listener?.address() as AddressInfo | null) ?? undefined,
    engineTotals: () => metrics.engineTotals(),
    published: (namespace: string, elapsedMs: number) => metrics.published(namespace, elapsedMs),
    refused: (namespace: string, reason: string) => metrics.refused(namespace, reason),
    limitExceeded: (limit) => metrics.limitExceeded(limit),
    unhandledRejection: () => metrics.unhandledRejection(),
    rejected: (namespace: string, event: string, code: string) => metrics.rejected(namespace, event, code)
  } satisfies AppMetrics)
}, { fastify: '5.x', name: 'metrics', dependencies: ['socket-io'] })
