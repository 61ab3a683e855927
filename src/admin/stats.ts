// The `server_stats` admin-ui's dashboard draws (one per node every 2 s), computed by the gateway:
// the operators' own connections are not clients, the admin namespace is not listed, and the
// charts' traffic comes from the metrics' counters instead of a listener on every packet.
import { hostname } from 'node:os'
import type { Server } from 'socket.io'
import { namespacesOf } from '../internals/socket-io.js'
import type { EngineTotals } from '../metrics/index.js'

export const STATS_INTERVAL_MS = 2000

export interface AggregatedEvent { timestamp: number, type: string, subType?: string, count: number }

export interface ServerStats {
  serverId: string
  hostname: string
  pid: number
  uptime: number
  clientsCount: number
  pollingClientsCount: number
  aggregatedEvents: AggregatedEvent[]
  namespaces: Array<{ name: string, socketsCount: number }>
}

export interface StatsSource {
  io: Server
  nodeId: string
  adminNamespace: string
  /** Undefined with METRICS_ENABLED=false: no packet or byte charts then. */
  engineTotals: () => EngineTotals | undefined
}

/** Keeps the previous totals to turn them into per-interval counts. */
export class StatsCollector {
  #connections = 0
  #lastClients = 0
  #lastTotals: EngineTotals | undefined

  constructor (private readonly source: StatsSource) {
    // One listener for the whole server, a counter increment per connection.
    source.io.engine.on('connection', () => { this.#connections++ })
    this.#lastClients = source.io.engine.clientsCount
    this.#lastTotals = source.engineTotals()
  }

  collect (now = Date.now()): ServerStats {
    const { io, nodeId, adminNamespace } = this.source
    const admin = namespacesOf(io).get(adminNamespace)
    // Each admin UI tab has an Engine.IO connection of its own (the UI connects with forceNew).
    const operators = admin?.sockets.size ?? 0
    const clients = io.engine.clientsCount
    const totals = this.source.engineTotals()
    const timestamp = now - (now % 1000)
    const events: AggregatedEvent[] = []
    const push = (type: string, count: number): void => { if (count > 0) events.push({ timestamp, type, count }) }
    push('rawConnection', this.#connections)
    push('rawDisconnection', Math.max(0, this.#connections - (clients - this.#lastClients)))
    if (totals && this.#lastTotals) {
      push('packetsIn', totals.packetsIn - this.#lastTotals.packetsIn)
      push('packetsOut', totals.packetsOut - this.#lastTotals.packetsOut)
      push('bytesIn', totals.bytesIn - this.#lastTotals.bytesIn)
      push('bytesOut', totals.bytesOut - this.#lastTotals.bytesOut)
    }
    this.#connections = 0
    this.#lastClients = clients
    this.#lastTotals = totals
    const namespaces: ServerStats['namespaces'] = []
    for (const [name, nsp] of namespacesOf(io)) if (name !== adminNamespace) namespaces.push({ name, socketsCount: nsp.sockets.size })
    return {
      serverId: nodeId,
      hostname: hostname(),
      pid: process.pid,
      uptime: process.uptime(),
      clientsCount: Math.max(0, clients - operators),
      pollingClientsCount: Math.max(0, (totals ? totals.open.polling ?? 0 : pollingClients(io)) - pollingOperators(io, adminNamespace)),
      aggregatedEvents: events,
      namespaces
    }
  }
}

/** Without metrics: counted at each tick, while an operator watches (O(sockets) every 2 s). */
function pollingClients (io: Server): number {
  const conns = new Set<object>()
  for (const nsp of namespacesOf(io).values()) {
    for (const socket of nsp.sockets.values()) if (socket.conn.transport.name === 'polling') conns.add(socket.conn)
  }
  return conns.size
}

function pollingOperators (io: Server, adminNamespace: string): number {
  let n = 0
  for (const socket of namespacesOf(io).get(adminNamespace)?.sockets.values() ?? []) if (socket.conn.transport.name === 'polling') n++
  return n
}
