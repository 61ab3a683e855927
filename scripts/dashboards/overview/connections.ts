// Clients: how many, over which transport, how they come and go, and why they are refused.
import type { DashboardBuilder } from '../builder.js'
import { percentiles, sel, sumRate } from '../promql.js'
import { IN } from './filters.js'

export function connections (b: DashboardBuilder): void {
  b.row('Connections')
  b.timeseries({
    title: 'Connected clients by namespace',
    description: 'Sockets connected now per namespace (socketgate_sockets_connected), summed over the selected instances. Dynamic namespaces count under their parent pattern.',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (namespace) (${sel('socketgate_sockets_connected', ...IN)})`, legend: '{{namespace}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connected clients by instance',
    description: 'Sockets connected now per gateway node (socketgate_sockets_connected). Uneven lines mean the load balancer spreads clients unevenly, or clients moved after a node restarted.',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (instance) (${sel('socketgate_sockets_connected', ...IN)})`, legend: '{{instance}}' }]
  })
  b.timeseries({
    title: 'Connections by transport',
    description: 'engine.io connections open now by transport (socketgate_engine_connections): polling ones have not upgraded to WebSocket (yet, or cannot).',
    unit: 'short', width: 8,
    targets: [{ expr: `sum by (transport) (${sel('socketgate_engine_connections')})`, legend: '{{transport}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connects and disconnects',
    description: 'Sockets joining (socketgate_socket_connects_total, after the middlewares accepted them) and leaving (socketgate_socket_disconnects_total) a namespace, per second.',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('namespace', sel('socketgate_socket_connects_total', ...IN)), legend: 'connects {{namespace}}' },
      { expr: sumRate('namespace', sel('socketgate_socket_disconnects_total', ...IN)), legend: 'disconnects {{namespace}}' }
    ]
  })
  b.timeseries({
    title: 'Disconnect reasons',
    description: 'Disconnects per second by Socket.IO reason: "transport close" (client went away), "ping timeout" (client stopped answering heartbeats), "client namespace disconnect" (client left), "server namespace disconnect" (gateway ended it: drain, token expiry), "transport error", "server shutting down".',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('reason', sel('socketgate_socket_disconnects_total', ...IN)), legend: '{{reason}}' }],
    stack: true
  })
  b.timeseries({
    title: 'Connect errors',
    description: 'Refused connections per second. Namespace level (socketgate_socket_connect_errors_total): auth refused, unknown namespace, draining, middleware error. engine.io level, before any socket existed (socketgate_engine_handshake_errors_total): bad request, session id unknown (often a missing sticky session), forbidden (origin or draining).',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('reason', sel('socketgate_socket_connect_errors_total', ...IN)), legend: '{{reason}}' },
      { expr: sumRate('reason', sel('socketgate_engine_handshake_errors_total')), legend: 'handshake: {{reason}}' }
    ]
  })
  b.timeseries({
    title: 'Transport upgrades',
    description: 'engine.io connections per second that upgraded their transport (socketgate_engine_upgrades_total), by the transport they moved to. Clients start on polling and upgrade unless they ask for WebSocket only.',
    unit: 'cps', width: 8,
    targets: [{ expr: sumRate('transport', sel('socketgate_engine_upgrades_total')), legend: 'to {{transport}}' }]
  })
  b.timeseries({
    title: 'Connection state recoveries',
    description: 'Reconnections per second that asked to recover their session (socketgate_connection_recoveries_total), by outcome and reason: recovered (resumed; taken_over from another node) or not_recovered (unknown_session, expired: CONNECTION_RECOVERY_MAX_MS passed, offset_too_old: past the Redis stream\'s window, token_expired). Replayed packets per second (socketgate_recovery_replayed_packets_total): the events recovered clients had missed. Alert: SocketgateRecoveryFailureRatioHigh.',
    unit: 'cps', width: 8,
    targets: [
      { expr: sumRate('outcome, reason', sel('socketgate_connection_recoveries_total', ...IN)), legend: '{{outcome}} {{reason}}' },
      { expr: sumRate('', sel('socketgate_recovery_replayed_packets_total', ...IN)), legend: 'replayed packets' }
    ]
  })
  b.timeseries({
    title: 'Connection duration',
    description: 'How long closed engine.io connections lasted (socketgate_engine_connection_duration_seconds), percentiles over the connections that closed in each interval. Short lives with many connects mean clients reconnect in a loop.',
    unit: 's', width: 8,
    targets: percentiles('', sel('socketgate_engine_connection_duration_seconds_bucket'))
  })
}
