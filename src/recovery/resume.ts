// A client resuming its session (CONNECT with `pid` and `offset`). Socket.IO asks the adapter's
// restoreSession, which upstream finds only sessions saved when their socket disconnected. The
// common case on real networks is a client that resumes while the server still holds its old,
// silent connection (socket.io#4880): upstream starts a new session and the packets sent in
// between are lost. Here the resume takes the session over from the live socket: the old socket
// leaves (its rooms, then its transport), and the new one gets its id, rooms, data and every
// packet after the client's offset. Clustered, the session may live on another node: it is read
// from Redis (mirrored there while the socket lives) and the other nodes are told to let go.
import type { FastifyBaseLogger } from 'fastify'
import type { SessionStore } from './local-store.js'
import type { Deliveries, Recipient } from './delivery.js'
import { NotRecovered, type RecoveryReason, type RestoredSession, type Session } from './types.js'

/** A connected socket as far as a takeover goes. */
interface LiveSocket extends Recipient {
  data: unknown
  conn: { close: () => void }
  disconnect: (close?: boolean) => unknown
}

export interface ResumeAdapter {
  nsp: { name: string, sockets: Map<string, LiveSocket> }
  addAll: (id: string, rooms: Set<string>) => Promise<void> | void
  delAll: (id: string) => void
  restoreSession: (pid: string, offset: string) => Promise<RestoredSession | null>
  persistSession: (session: Session) => void
}

export interface ResumeOptions {
  store: SessionStore
  deliveries: Deliveries
  /** A reason to refuse a session found (a token that expired while the client was away). */
  vet?: (session: Session) => RecoveryReason | undefined
  /** Told of every resume, with its outcome and the number of packets replayed. */
  counted: (reason: RecoveryReason, replayed: number) => void
  /** Clustered: asks the other nodes to close the socket `sid` (it was resumed here). */
  releaseElsewhere?: (sid: string) => void
  log: FastifyBaseLogger
}

/** Leaves the session's rooms now (synchronously: the new socket takes the same id), then ends the old transport. */
function takeOver (old: LiveSocket): void {
  old.disconnect()
  old.conn.close()
}

export function resumeSessions (adapter: ResumeAdapter, opts: ResumeOptions): void {
  const { store, deliveries, vet, counted, releaseElsewhere, log } = opts
  /** The connected sockets of this node that can be resumed: pid → socket, and socket id → pid. */
  const live = new Map<string, LiveSocket>()
  const pids = new Map<string, string>()
  const { addAll, delAll, persistSession } = adapter
  // Socket.IO saves every socket it disconnects for a recoverable reason, a socket without pid
  // (a client that did not ask, CONNECTION_RECOVERY=auto) too.
  adapter.persistSession = (session) => {
    if (session.pid !== undefined) persistSession.call(adapter, session)
  }
  adapter.addAll = (id, rooms) => {
    // Its own room, joined at connect, after a plain client's pid was taken away (delivery.ts).
    if (rooms.size === 1 && rooms.has(id)) {
      const socket = adapter.nsp.sockets.get(id)
      if (socket?.pid !== undefined) {
        live.set(socket.pid, socket)
        pids.set(id, socket.pid)
      }
    }
    return addAll.call(adapter, id, rooms)
  }
  adapter.delAll = (id) => {
    const pid = pids.get(id)
    if (pid !== undefined && live.get(pid)?.id === id) live.delete(pid)
    pids.delete(id)
    delAll.call(adapter, id)
  }

  adapter.restoreSession = async (pid, offset) => {
    try {
      const held = live.get(pid)
      const session = held !== undefined
        ? { sid: held.id, pid, rooms: [...held.rooms], data: held.data, live: true }
        : await store.takeSession(pid)
      const refused = vet?.(session)
      if (refused !== undefined) throw new NotRecovered(refused, 'session refused')
      const { packets, upTo } = await store.missedSince(offset, session.rooms)
      // Looked up again: the old socket may have connected here while Redis answered.
      const old = live.get(pid)
      if (old !== undefined) {
        session.rooms = [...old.rooms]
        session.data = old.data
        takeOver(old)
      } else if (held === undefined) {
        releaseElsewhere?.(session.sid)
      }
      deliveries.resuming(session.sid, upTo)
      counted(session.live === true || old !== undefined ? 'taken_over' : 'resumed', packets.length)
      return { sid: session.sid, pid, rooms: session.rooms, data: session.data, missedPackets: packets }
    } catch (err) {
      const reason = err instanceof NotRecovered ? err.reason : 'unknown_session'
      if (!(err instanceof NotRecovered)) log.warn({ err, nsp: adapter.nsp.name }, 'session not restored')
      counted(reason, 0)
      return null
    }
  }
}
