// The gateway's Prometheus instrumentation: one registry per app (never prom-client's global
// one, so two gateways live in one process), fed by engine.io- and Socket.IO-level hooks whose
// per-packet work is a few field increments. src/plugins/metrics.ts serves it.
import { Registry } from 'prom-client'
import { namespacesOf } from '../internals/socket-io.js'
import type { Server } from 'socket.io'
import type { Connections } from '../realtime/connections.js'
import { createCatalog, LIMITS, type Catalog, type Limit } from './catalog.js'
import { EngineInstrumentation } from './engine.js'
import { registerGauges } from './gauges.js'
import { NamespaceState, NamespaceStates, type DeclaredEvents } from './namespaces.js'
import { processMetrics } from './process.js'
import { PROMETHEUS, OPENMETRICS, renderOpenMetrics } from './render.js'
import { SocketInstrumentation } from './sockets.js'

export interface MetricsOptions {
  /** Prefix of every gateway metric (not of the standard process_/nodejs_ ones). @default 'socketgate_' */
  prefix: string
  /** Distinct event names per namespace that become labels. @default 50 */
  eventLabelLimit: number
  latencyBuckets: readonly number[]
  connectionBuckets: readonly number[]
  roomSizeBuckets: readonly number[]
  /** Time client→server events with an ack (the handler-duration histogram). @default true */
  handlerTiming?: boolean
  /** Outbound buffer length (packets) from which a connection counts as slow. @default 100 */
  slowClientPackets: number
  /** Namespaces left out of the namespace-level series (the admin UI's: dashboards count real clients). */
  excludeNamespaces?: readonly string[]
  /** Event names always labelled, their series at 0 from start-up (the chat protocol's, METRICS_EVENTS). */
  declaredEvents?: DeclaredEvents
}

/** Status codes of the publish API, whose series exist at 0 from start-up. */
const PUBLISH_STATUSES = [200, 400, 401, 404, 413, 415, 429, 500, 503]

/** Engine.IO totals since start, over every transport (the admin UI's dashboard charts read them). */
export interface EngineTotals {
  /** Open connections by transport name. */
  open: Record<string, number>
  packetsIn: number
  packetsOut: number
  bytesIn: number
  bytesOut: number
}

/** What other plugins may report; a no-op when metrics are off. */
export interface MetricsApi {
  /** Publish API: the event was handed to the adapter `elapsedMs` after the request arrived. */
  published: (namespace: string, elapsedMs: number) => void
  /** A client event refused before any handler (rate limiter, …), by a short fixed reason. */
  refused: (namespace: string, reason: string) => void
  /** A request, connection or event refused or cut off by one of the gateway's limits. */
  limitExceeded: (limit: Limit) => void
  /** The process edge (socketgate serve) caught a promise rejection nobody handled. */
  unhandledRejection: () => void
  /** A client event refused with an error code but no ack to carry it (counted as an { ok: false } ack is). */
  rejected: (namespace: string, event: string, code: string) => void
}

export class GatewayMetrics implements MetricsApi {
  readonly registry = new Registry()
  readonly #catalog: Catalog
  readonly #states: NamespaceStates
  readonly #engine: EngineInstrumentation

  constructor (io: Server, connections: Connections, opts: MetricsOptions) {
    const catalog = this.#catalog = createCatalog(this.registry, opts.prefix, { latency: opts.latencyBuckets, connection: opts.connectionBuckets }, opts.handlerTiming)
    this.#states = new NamespaceStates(io, (label) => new NamespaceState(catalog, label, opts.eventLabelLimit, opts.roomSizeBuckets, opts.declaredEvents), new Set(opts.excludeNamespaces))
    const engine = this.#engine = new EngineInstrumentation(catalog, this.#states, opts.slowClientPackets, connections.shapes, connections.queues)
    engine.attach(io.engine)
    for (const status of PUBLISH_STATUSES) catalog.publishRequests.series(String(status))
    const lag = { localLag: catalog.deliveryLag.series('local'), remoteLag: catalog.deliveryLag.series('remote') }
    const sockets = new SocketInstrumentation(this.#states, connections, lag, connections.shapes.adapterDelivery)
    const namespace = (nsp: Parameters<typeof sockets.namespace>[0]): void => {
      connections.instrument(nsp)
      sockets.namespace(nsp)
    }
    for (const nsp of namespacesOf(io).values()) namespace(nsp)
    io.on('new_namespace', namespace)
    for (const limit of LIMITS) this.#catalog.limitsExceeded.series(limit)
    this.#catalog.unhandledRejections.series()
    registerGauges(this.registry, opts.prefix, io, this.#states, engine)
    processMetrics(this.registry, opts.prefix)
  }

  published (namespace: string, elapsedMs: number): void {
    this.#states.named(namespace)?.publishHandoff.observe(elapsedMs / 1000)
  }

  engineTotals (): EngineTotals {
    const totals: EngineTotals = { open: {}, packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 }
    for (const t of this.#engine.transports) {
      totals.open[t.name] = t.open
      totals.packetsIn += t.packetsIn.value
      totals.packetsOut += t.packetsOut.value
      totals.bytesIn += t.bytesIn.value
      totals.bytesOut += t.bytesOut.value
    }
    return totals
  }

  refused (namespace: string, reason: string): void {
    this.#states.named(namespace)?.refused(reason).inc()
  }

  unhandledRejection (): void {
    this.#catalog.unhandledRejections.series().value++
  }

  limitExceeded (limit: Limit): void {
    this.#catalog.limitsExceeded.series(limit).value++
  }

  rejected (namespace: string, event: string, code: string): void {
    this.#states.named(namespace)?.events.slot(event).rejected(code)
  }

  /** An HTTP response; `route` is the route pattern (bounded), never the raw URL. */
  http (method: string, route: string, status: number, seconds: number): void {
    this.#catalog.http.series(method, route, String(status)).observe(seconds)
  }

  publishStatus (status: number): void {
    this.#catalog.publishRequests.series(String(status)).value++
  }

  async render (openMetrics: boolean): Promise<{ body: string, contentType: string }> {
    return openMetrics
      ? { body: await renderOpenMetrics(this.registry), contentType: OPENMETRICS }
      : { body: await this.registry.metrics(), contentType: PROMETHEUS }
  }
}
