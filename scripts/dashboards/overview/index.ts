// "Gateway overview": is the gateway healthy, how many clients, how much traffic, how fast.
// Metric semantics are those of docs/metrics.md; the panel descriptions repeat what an operator
// needs to read each panel without leaving Grafana. One file per group of rows.
import { COMMON_VARIABLES, DashboardBuilder, dashboard } from '../builder.js'
import { connections } from './connections.js'
import { health } from './health.js'
import { admin, cluster, http, rooms, runtime } from './resources.js'
import { latency, throughput } from './traffic.js'

export function overviewDashboard (): Record<string, unknown> {
  const b = new DashboardBuilder()
  for (const section of [health, connections, throughput, latency, rooms, http, admin, cluster, runtime]) section(b)
  return dashboard({
    uid: 'socketgate-overview',
    title: 'socketgate / Gateway overview',
    description: 'Health, clients, traffic and latency of the socketgate gateway nodes (docs/monitoring.md).',
    variables: [...COMMON_VARIABLES],
    panels: b.panels
  })
}
