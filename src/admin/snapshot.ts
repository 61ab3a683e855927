// What an operator may see of a socket: metadata only, in the shape admin-ui's UI expects of a
// socket (its SerializedSocket). Never the handshake's headers (cookies), query or auth, never
// socket.data beyond the user's id, never an event.
import { randomBytes } from 'node:crypto'
import type { Namespace, Socket } from 'socket.io'

export interface SocketSummary {
  id: string
  /** The Engine.IO connection (not its own id); sockets multiplexed on one connection share it. */
  clientId: string
  transport: string
  nsp: string
  data: { user?: string, node: string }
  handshake: {
    address: string
    /** Connected since, ms since the epoch (the UI shows it as the creation date). */
    issued: number
    time: string
    secure: boolean
    xdomain: boolean
    headers: Record<string, never>
    query: Record<string, never>
  }
  rooms: string[]
}

export interface Summarizer {
  nodeId: string
  address: (socket: Socket) => string
}

// The UI groups a client's sockets by this id. Made up here, per Engine.IO connection: its own
// id would let anyone who sees it poll as that client.
const clientIds = new WeakMap<object, string>()
function clientId (conn: object): string {
  let id = clientIds.get(conn)
  if (id === undefined) clientIds.set(conn, id = randomBytes(6).toString('hex'))
  return id
}

export function summarize (socket: Socket, nsp: string, { nodeId, address }: Summarizer): SocketSummary {
  const user = (socket.data as { user?: { id?: unknown } } | undefined)?.user?.id
  const { issued, time, secure, xdomain } = socket.handshake
  return {
    id: socket.id,
    clientId: clientId(socket.conn),
    transport: socket.conn.transport.name,
    nsp,
    data: { ...(typeof user === 'string' ? { user } : {}), node: nodeId },
    handshake: { address: address(socket), issued, time, secure, xdomain, headers: {}, query: {} },
    rooms: [...socket.rooms]
  }
}

/** This node's sockets in the namespaces an operator may see: how many, and the `limit` most recent. */
export interface LocalList {
  node: string
  total: number
  sockets: SocketSummary[]
}

export function recentSockets (namespaces: Iterable<Namespace>, limit: number, summarizer: Summarizer): LocalList {
  let total = 0
  const recent: Socket[] = []
  for (const nsp of namespaces) {
    total += nsp.sockets.size
    // A namespace's Map holds its sockets in connection order: its tail is the most recent.
    let skip = nsp.sockets.size - limit
    for (const socket of nsp.sockets.values()) {
      if (skip-- > 0) continue
      recent.push(socket)
    }
  }
  recent.sort(newestFirst)
  return { node: summarizer.nodeId, total, sockets: recent.slice(0, limit).map((s) => summarize(s, s.nsp.name, summarizer)) }
}

const newestFirst = (a: Socket, b: Socket): number => b.handshake.issued - a.handshake.issued

/** A search's words: a socket id (exact) or a part of a user id (any case). */
export const SEARCH_MAX_LENGTH = 128

export function searchSockets (namespaces: Iterable<Namespace>, query: string, limit: number, summarizer: Summarizer): SocketSummary[] {
  const needle = query.toLowerCase()
  const found: Socket[] = []
  for (const nsp of namespaces) {
    const exact = nsp.sockets.get(query)
    if (exact) found.push(exact)
  }
  for (const nsp of namespaces) {
    for (const socket of nsp.sockets.values()) {
      if (found.length >= limit) break
      const user = (socket.data as { user?: { id?: unknown } } | undefined)?.user?.id
      if (typeof user === 'string' && user.toLowerCase().includes(needle) && socket.id !== query) found.push(socket)
    }
  }
  return found.slice(0, limit).sort(newestFirst).map((s) => summarize(s, s.nsp.name, summarizer))
}
