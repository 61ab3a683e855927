// Point-in-time values, computed when Prometheus scrapes, from counts the gateway already keeps:
// each costs O(namespaces) or O(transports) or O(slow clients), never O(sockets).
import { Gauge, type Registry } from 'prom-client'
import type { Server } from 'socket.io'
import { namespacesOf } from '../internals/socket-io.js'
import type { EngineInstrumentation } from './engine.js'
import type { NamespaceStates } from './namespaces.js'

export function registerGauges (registry: Registry, prefix: string, io: Server, states: NamespaceStates, engine: EngineInstrumentation): void {
  const perNamespace = (read: (nsp: { sockets: Map<unknown, unknown>, adapter: { rooms: Map<unknown, unknown>, sids: Map<unknown, unknown> } }) => number) => {
    const totals = new Map<string, number>()
    for (const state of states.all()) totals.set(state.label, 0)
    for (const nsp of namespacesOf(io).values()) {
      if (!states.counts(nsp)) continue
      const label = states.of(nsp).label
      totals.set(label, (totals.get(label) ?? 0) + read(nsp as never))
    }
    return totals
  }

  new Gauge({
    name: `${prefix}sockets_connected`,
    help: 'Sockets connected now, by namespace',
    labelNames: ['namespace'],
    registers: [registry],
    collect () {
      for (const [namespace, n] of perNamespace((nsp) => nsp.sockets.size)) this.set({ namespace }, n)
    }
  })
  new Gauge({
    name: `${prefix}rooms`,
    help: 'Rooms that exist now, by namespace (the private room of each socket not counted)',
    labelNames: ['namespace'],
    registers: [registry],
    collect () {
      for (const [namespace, n] of perNamespace((nsp) => Math.max(0, nsp.adapter.rooms.size - nsp.adapter.sids.size))) this.set({ namespace }, n)
    }
  })
  new Gauge({
    name: `${prefix}rooms_by_size`,
    help: 'Rooms that exist now with at most max_sockets sockets (cumulative, like histogram buckets), by namespace',
    labelNames: ['namespace', 'max_sockets'],
    registers: [registry],
    collect () {
      this.reset()
      for (const state of states.all()) {
        let cumulative = 0
        state.roomSizeBounds.forEach((bound, i) => {
          cumulative += state.roomsBySize[i]!
          this.set({ namespace: state.label, max_sockets: String(bound) }, cumulative)
        })
        this.set({ namespace: state.label, max_sockets: '+Inf' }, cumulative + state.roomsBySize[state.roomSizeBounds.length]!)
      }
    }
  })
  new Gauge({
    name: `${prefix}engine_connections`,
    help: 'engine.io connections open now, by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect () {
      for (const t of engine.transports) this.set({ transport: t.name }, t.open)
    }
  })
  // Read once per scrape for both gauges; the collect of the first one refreshes it.
  let slow = { clients: 0, packets: 0 }
  new Gauge({
    name: `${prefix}slow_clients`,
    help: 'Connections whose outbound buffer holds at least METRICS_SLOW_CLIENT_PACKETS packets now',
    registers: [registry],
    collect () {
      slow = engine.slowClients()
      this.set(slow.clients)
    }
  })
  new Gauge({
    name: `${prefix}slow_client_buffered_packets`,
    help: 'Packets waiting in the outbound buffers of the slow clients',
    registers: [registry],
    collect () {
      this.set(slow.packets)
    }
  })
}
