// What the gateways say they did, from their own /metrics (--metrics-url, several nodes
// comma-separated): read before the first client connects, when sending starts and when the
// last delivery is in, so the differences are this run's. A load test's own counts can then be checked against the server's.

export interface GatewayCounters {
  cpuSeconds: number
  /** events_received_total summed over namespaces, by event name. */
  eventsReceived: Record<string, number>
  /** broadcast_recipients_total: local sockets that broadcasts were handed to. */
  deliveries: number
  /** socket_connects_total. */
  connects: number
  /** publish_requests_total by status code. */
  publishRequests: Record<string, number>
}

export interface GatewayReport {
  nodes: number
  /** Cores the gateways used over the window, together. */
  cpuCores: number
  eventsReceived: Record<string, number>
  deliveries: number
  connects: number
  publishRequests: Record<string, number>
}

const label = (line: string, name: string): string | undefined => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1]
const add = (to: Record<string, number>, key: string, n: number): void => { to[key] = (to[key] ?? 0) + n }

/** Sums the counters of the Prometheus text of every node. Throws naming the URL that failed. */
export async function readCounters (urls: readonly URL[], prefix: string): Promise<GatewayCounters> {
  const total: GatewayCounters = { cpuSeconds: 0, eventsReceived: {}, deliveries: 0, connects: 0, publishRequests: {} }
  for (const url of urls) {
    const res = await fetch(url).catch((err: Error) => { throw new Error(`--metrics-url ${url.href}: ${err.message}; expected a gateway's /metrics`) })
    if (!res.ok) throw new Error(`--metrics-url ${url.href} answered ${res.status}; expected a gateway's /metrics`)
    for (const line of (await res.text()).split('\n')) {
      if (line.startsWith('#')) continue
      const value = Number(line.slice(line.lastIndexOf(' ') + 1))
      if (line.startsWith('process_cpu_seconds_total ')) total.cpuSeconds += value
      else if (line.startsWith(`${prefix}events_received_total{`)) add(total.eventsReceived, label(line, 'event') ?? '', value)
      else if (line.startsWith(`${prefix}broadcast_recipients_total{`)) total.deliveries += value
      else if (line.startsWith(`${prefix}socket_connects_total{`)) total.connects += value
      else if (line.startsWith(`${prefix}publish_requests_total{`)) add(total.publishRequests, label(line, 'status_code') ?? '', value)
    }
  }
  return total
}

const delta = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0))

/**
 * This run's share of the counters: from `before` (read before the first client connected) to
 * `after`; CPU from `sending` (read when sending started) over `seconds`, the load's own cost.
 */
export function difference (before: GatewayCounters, after: GatewayCounters, nodes: number, seconds: number, sending: GatewayCounters): GatewayReport {
  return {
    nodes,
    cpuCores: Number(((after.cpuSeconds - sending.cpuSeconds) / seconds).toFixed(2)),
    eventsReceived: delta(after.eventsReceived, before.eventsReceived),
    deliveries: after.deliveries - before.deliveries,
    connects: after.connects - before.connects,
    publishRequests: delta(after.publishRequests, before.publishRequests)
  }
}
