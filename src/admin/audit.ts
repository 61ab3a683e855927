// Operator actions taken in the admin UI, logged as structured audit lines. They are performed
// (by operators.ts, or by admin-ui in development mode) when an operator's socket sends
// `_disconnect`, `join`, `leave` or `emit` on the admin namespace; a packet middleware sees each
// one before the listener acts on it, and refuses what the mode does not offer. Payloads are never
// logged: an `emit` carries whatever the operator typed, possibly user data.
import type { FastifyBaseLogger } from 'fastify'
import type { Namespace, Server } from 'socket.io'
import { namespacesOf } from '../internals/socket-io.js'
import { clientAddress } from '../realtime/address.js'

export const ADMIN_ACTIONS = ['disconnect', 'join', 'leave', 'emit'] as const
export type AdminAction = typeof ADMIN_ACTIONS[number]

const BY_EVENT: Record<string, AdminAction> = { _disconnect: 'disconnect', join: 'join', leave: 'leave', emit: 'emit' }
// Socket.IO throws when these are broadcast; thrown inside admin-ui's listener, that would be an
// uncaught exception and end the process. An operator can type them in the UI's Emit dialog.
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])

export interface AuditOptions {
  io: Server
  log: FastifyBaseLogger
  /** admin-ui registers no action handlers then; a packet asking for one was crafted by hand. */
  readonly: boolean
  /** TRUST_PROXY: the operator's address is then X-Forwarded-For's, as in HTTP logs. */
  trustProxy: boolean
  /** The actions this ADMIN_MODE performs; a packet asking for another was crafted by hand. */
  offered: ReadonlySet<AdminAction>
  mode: string
  onAction: (action: AdminAction) => void
}

type Line = Record<string, unknown> & { action: AdminAction }

/** The audit line for one packet, or a reason to refuse it. */
function describe (io: Server, action: AdminAction, args: unknown[]): Line | string {
  const [namespace] = args
  // io.of() would create any namespace it is asked about: refuse names the gateway does not serve.
  if (typeof namespace !== 'string' || !namespacesOf(io).has(namespace)) return 'namespace is not served by this gateway'
  const filterAt = action === 'emit' ? 1 : 2
  const filter = args[filterAt]
  if (filter !== undefined && filter !== null && typeof filter !== 'string') return 'target must be a socket id or a room name'
  // Single-socket actions target the socket's own room (its id); anything else is a room.
  const target = typeof filter === 'string' && filter !== ''
    ? (io.of(namespace).sockets.has(filter) ? { socketId: filter } : { targetRoom: filter })
    : { allSockets: true }
  const line: Line = { action, namespace, ...target }
  if (action === 'join' || action === 'leave') {
    if (typeof args[1] !== 'string' || args[1] === '') return 'room must be a non-empty string'
    line.room = args[1]
  }
  if (action === 'disconnect') line.closeConnection = args[1] === true
  if (action === 'emit') {
    if (typeof args[2] !== 'string') return 'event name must be a string'
    if (RESERVED.has(args[2])) return `"${args[2]}" is reserved by Socket.IO and cannot be emitted`
    line.event = args[2]
  }
  return line
}

export function auditAdminActions (adminNsp: Namespace, { io, log, readonly, trustProxy, offered, mode, onAction }: AuditOptions): void {
  adminNsp.on('connection', (socket) => {
    const by = { adminSocketId: socket.id, address: clientAddress(socket, trustProxy) }
    socket.use(([event, ...args], next) => {
      const action = BY_EVENT[event]
      if (action === undefined) return next()
      const line = readonly
        ? 'the admin UI is read-only (ADMIN_READONLY)'
        : offered.has(action) ? describe(io, action, args) : `not offered in ADMIN_MODE=${mode}`
      if (typeof line === 'string') {
        log.warn({ audit: 'admin', action, refused: line, ...by }, 'admin action refused')
        return next(new Error(`${action} refused: ${line}`))
      }
      onAction(action)
      log.info({ audit: 'admin', ...line, ...by }, 'admin action')
      next()
    })
    // A refused packet surfaces here; it is already logged above.
    socket.on('error', () => {})
  })
}
