// The server side of admin-ui's protocol for ADMIN_MODE=operator and production, written by the
// gateway so that it can keep what admin-ui's own server cannot promise: no event payload ever
// goes to the admin namespace (admin-ui forwards every event in development mode), nothing is sent
// between nodes while no operator is connected (admin-ui broadcasts its stats every 2 s through
// the adapter whether anyone watches or not), the list sent at login is capped, and the
// operators' own connections are not counted as clients.
//
// Operator mode serves the Sockets, Rooms and Clients pages (metadata only, docs/admin-ui.md) and
// a search across nodes; production mode serves the dashboard only. Both accept admin-ui's
// disconnect, join and leave commands (audit.ts logs and vets them first).
import type { FastifyBaseLogger } from 'fastify'
import type { Namespace, Server, Socket } from 'socket.io'
import { SocketErrorCode } from '../errors.js'
import { namespacesOf } from '../internals/socket-io.js'
import type { AdminAction } from './audit.js'
import type { AdminChannel } from './channel.js'
import { Feed, type LiveEvent } from './feed.js'
import { Presence } from './presence.js'
import { recentSockets, searchSockets, SEARCH_MAX_LENGTH, type LocalList, type SocketSummary, type Summarizer } from './snapshot.js'
import { StatsCollector, STATS_INTERVAL_MS, type ServerStats, type StatsSource } from './stats.js'
import { OperatorView } from './views.js'

/** admin-ui's Feature names (its typed-events), as the UI reads them from `config`. */
const ACTION_FEATURES = ['JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT']
/** The actions these modes perform; admin-ui's `emit` (any event, any payload, to users) is not one. */
export const OPERATOR_ACTIONS: ReadonlySet<AdminAction> = new Set(['disconnect', 'join', 'leave'])

/** Results one search returns at most (each node finds at most as many). */
export const SEARCH_LIMIT = 50

const EVENTS = 'socketgate:admin:events'
const STATS = 'socketgate:admin:stats'
const LIST = 'socketgate:admin:list'
const SEARCH = 'socketgate:admin:search'

export interface OperatorServerOptions extends Omit<StatsSource, 'adminNamespace'> {
  adminNsp: Namespace
  mode: 'operator' | 'production'
  readonly: boolean
  listMax: number
  channel: AdminChannel
  address: Summarizer['address']
  log: FastifyBaseLogger
}

export interface OperatorServer {
  presence: Presence
  /** Live updates dropped because a batch was full (operator mode). */
  dropped: () => number
  /** Gathers and sends this node's live updates now (tests). */
  flush: () => void
  stop: () => void
}

export type SearchAnswer =
  | { ok: true, sockets: SocketSummary[], complete: boolean }
  | { ok: false, error: { code: SocketErrorCode, message: string } }

/** The `config` the UI receives: which pages and buttons it shows. */
export function supportedFeatures (mode: 'operator' | 'production', readonly: boolean): string[] {
  const features = readonly ? [] : [...ACTION_FEATURES]
  features.push('AGGREGATED_EVENTS')
  // The UI shows its Sockets, Rooms, Clients and Events pages only when this is offered; no event
  // is ever sent in this mode (the Events page says so).
  if (mode === 'operator') features.push('ALL_EVENTS')
  return features
}

function performActions (io: Server, socket: Socket): void {
  // admin-ui's Socket.IO v4 handlers: a filter is a room, a socket's id being its own room. With
  // the cluster adapter each reaches the sockets of every node. audit.ts has vetted the arguments.
  const target = (nsp: string, filter: unknown) => typeof filter === 'string' && filter !== '' ? io.of(nsp).in(filter) : io.of(nsp)
  socket.on('join', (nsp: string, room: string, filter?: string) => { target(nsp, filter).socketsJoin(room) })
  socket.on('leave', (nsp: string, room: string, filter?: string) => { target(nsp, filter).socketsLeave(room) })
  socket.on('_disconnect', (nsp: string, close: unknown, filter?: string) => { target(nsp, filter).disconnectSockets(close === true) })
}

const validList = (l: unknown): l is LocalList =>
  typeof (l as LocalList | null)?.total === 'number' && Array.isArray((l as LocalList).sockets)

const newestFirst = (a: SocketSummary, b: SocketSummary): number => b.handshake.issued - a.handshake.issued

export function serveOperators (opts: OperatorServerOptions): OperatorServer {
  const { io, adminNsp, channel, mode, log } = opts
  const views = new Set<OperatorView>()
  const summarizer: Summarizer = { nodeId: opts.nodeId, address: opts.address }
  const userNamespaces = (): Namespace[] => [...namespacesOf(io).values()].filter((n) => n !== adminNsp)
  const features = supportedFeatures(mode, opts.readonly)

  // Sockets per node, from the latest stats of each: the lists' "of N".
  const nodeTotals = new Map<string, { sockets: number, at: number }>()
  const clusterTotal = (): number => {
    const now = Date.now()
    let total = 0
    for (const [node, { sockets, at }] of nodeTotals) {
      if (now - at > 3 * STATS_INTERVAL_MS) nodeTotals.delete(node)
      else total += sockets
    }
    return total
  }
  const showStats = (stats: ServerStats): void => {
    nodeTotals.set(stats.serverId, { sockets: stats.namespaces.reduce((n, s) => n + s.socketsCount, 0), at: Date.now() })
    const total = clusterTotal()
    for (const view of views) {
      view.socket.emit('server_stats', stats)
      view.report(total)
    }
  }

  let statsTimer: NodeJS.Timeout | undefined
  const collector = new StatsCollector({ ...opts, adminNamespace: adminNsp.name })
  const tick = (): void => {
    if (!presence.active()) {
      clearInterval(statsTimer)
      statsTimer = undefined
      return
    }
    const stats = collector.collect()
    showStats(stats)
    if (presence.remoteWatching()) channel.send(STATS, stats)
  }
  const watched = (): void => {
    if (statsTimer !== undefined) return
    statsTimer = setInterval(tick, STATS_INTERVAL_MS)
    statsTimer.unref()
    tick()
  }
  const presence = new Presence(channel, opts.nodeId, watched)
  channel.on(STATS, (stats) => { if (views.size > 0 && typeof (stats as ServerStats | null)?.serverId === 'string') showStats(stats as ServerStats) })

  let feed: Feed | undefined
  if (mode === 'operator') {
    const deliver = (batch: LiveEvent[]): void => { for (const view of views) view.deliver(batch) }
    feed = new Feed({
      presence,
      summarizer,
      deliver: (batch) => {
        deliver(batch)
        if (presence.remoteWatching()) channel.send(EVENTS, batch)
      }
    })
    for (const nsp of userNamespaces()) feed.observe(nsp)
    io.on('new_namespace', (nsp: Namespace) => { if (nsp !== adminNsp) feed!.observe(nsp) })
    channel.on(EVENTS, (batch) => { if (Array.isArray(batch)) deliver(batch as LiveEvent[]) })
    channel.answer(LIST, (limit) => recentSockets(userNamespaces(), Math.min(Number(limit) || 0, opts.listMax), summarizer))
    channel.answer(SEARCH, (query, limit) => typeof query === 'string'
      ? searchSockets(userNamespaces(), query, Math.min(Number(limit) || 0, SEARCH_LIMIT), summarizer)
      : [])
  }

  const sendList = async (view: OperatorView): Promise<void> => {
    const local = recentSockets(userNamespaces(), opts.listMax, summarizer)
    const remote = await channel.ask<LocalList>(LIST, opts.listMax)
    const lists = [local, ...remote.responses.filter(validList)]
    const sockets = lists.flatMap((l) => l.sockets).sort(newestFirst).slice(0, opts.listMax)
    if (!view.socket.connected) return
    view.list(sockets, lists.reduce((n, l) => n + l.total, 0), remote.complete)
  }

  const search = async (view: OperatorView, query: unknown): Promise<SearchAnswer> => {
    if (typeof query !== 'string' || query.trim() === '' || query.length > SEARCH_MAX_LENGTH) {
      return { ok: false, error: { code: SocketErrorCode.InvalidPayload, message: `query must be a user id or a socket id of 1 to ${SEARCH_MAX_LENGTH} characters` } }
    }
    if (view.searching) return { ok: false, error: { code: SocketErrorCode.AdminBusy, message: 'a search of yours is still running; wait for its answer' } }
    view.searching = true
    try {
      const text = query.trim()
      const local = searchSockets(userNamespaces(), text, SEARCH_LIMIT, summarizer)
      const remote = await channel.ask<SocketSummary[]>(SEARCH, text, SEARCH_LIMIT)
      const found = [...local, ...remote.responses.filter(Array.isArray).flat()].sort(newestFirst).slice(0, SEARCH_LIMIT)
      for (const summary of found) view.found(summary)
      return { ok: true, sockets: found, complete: remote.complete }
    } finally {
      view.searching = false
    }
  }

  adminNsp.on('connection', (socket) => {
    if (!opts.readonly) performActions(io, socket)
    socket.emit('config', { supportedFeatures: features })
    const view = new OperatorView(socket, opts.listMax)
    views.add(view)
    presence.operatorJoined()
    if (mode === 'operator') {
      sendList(view).catch((err: unknown) => { log.error({ err }, 'admin UI: the socket list could not be gathered') })
      socket.on('socketgate:search', (query: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return
        search(view, query).then((answer) => { ack(answer) }, (err: unknown) => {
          log.error({ err }, 'admin UI: a search failed')
          ack({ ok: false, error: { code: SocketErrorCode.AdminBusy, message: 'the search failed on the server; see its log' } })
        })
      })
    }
    // The dashboard at once, not 2 s later.
    if (statsTimer !== undefined) showStats(collector.collect())
    socket.on('disconnect', () => {
      views.delete(view)
      presence.operatorLeft()
    })
  })

  return {
    presence,
    dropped: () => feed?.dropped ?? 0,
    flush: () => { feed?.flush() },
    stop: () => {
      clearInterval(statsTimer)
      statsTimer = undefined
      presence.stop()
      feed?.stop()
    }
  }
}
