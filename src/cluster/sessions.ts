// Connection state recovery across nodes, including from a node that crashed. The streams
// adapter saves a socket's session (id, rooms, data) in Redis only when the socket disconnects;
// a node killed with SIGKILL saves nothing, and its clients could not recover on another node.
// So the session is mirrored to Redis while the socket lives: written after it joins or leaves
// rooms, its expiry renewed in one pipeline every half-lifetime, and deleted when the socket
// leaves for a reason that cannot be recovered. The key layout and encoding are the adapter's
// own, so its restoreSession reads them unchanged.
import { encode } from '@msgpack/msgpack'
import type { FastifyBaseLogger } from 'fastify'
// The adapter's members this file wraps are its internals (src/internals/redis-streams-adapter.ts).
import type { SessionAdapter, SessionToPersist } from '../internals/redis-streams-adapter.js'
import type { RedisClient } from './redis.js'

export function mirrorSessions (adapter: SessionAdapter, client: RedisClient, keyPrefix: string, log: FastifyBaseLogger): void {
  const recovery = adapter.nsp.server._opts.connectionStateRecovery
  if (!recovery) return
  const ttl = recovery.maxDisconnectionDuration ?? 120_000
  const key = (pid: string) => keyPrefix + pid
  const save = (session: SessionToPersist): Promise<unknown> =>
    client.set(key(session.pid), Buffer.from(encode(session)).toString('base64'), { PX: ttl })
  const failed = (err: unknown) => log.debug({ err, nsp: adapter.nsp.name }, 'session not mirrored to redis')

  /** Socket id → pid, for the sockets whose session is in Redis. */
  const pids = new Map<string, string>()
  const persisted = new Set<string>()
  const dirty = new Set<string>()
  let flushing: NodeJS.Immediate | undefined
  // One write per socket per turn of the event loop, however many rooms it joined in that turn.
  const flush = (): void => {
    flushing = undefined
    for (const id of dirty) {
      const socket = adapter.nsp.sockets.get(id)
      if (socket?.pid === undefined) continue
      pids.set(id, socket.pid)
      save({ sid: id, pid: socket.pid, rooms: [...socket.rooms], data: socket.data }).catch(failed)
    }
    dirty.clear()
  }
  const changed = (id: string): void => {
    dirty.add(id)
    flushing ??= setImmediate(flush)
  }

  const { addAll, del, delAll, close } = adapter
  adapter.addAll = (id, rooms) => {
    changed(id)
    return addAll.call(adapter, id, rooms)
  }
  adapter.del = (id, room) => {
    changed(id)
    return del.call(adapter, id, room)
  }
  // Socket.IO calls persistSession (recoverable disconnect) before delAll (every disconnect).
  adapter.persistSession = (session) => {
    persisted.add(session.sid)
    // The library's version leaves the SET's rejection unhandled, which ends a Node process.
    save(session).catch((err: unknown) => log.warn({ err, nsp: adapter.nsp.name }, 'session not saved for connection state recovery'))
  }
  adapter.delAll = (id) => {
    dirty.delete(id)
    const pid = pids.get(id)
    pids.delete(id)
    if (pid !== undefined && !persisted.delete(id)) client.del(key(pid)).catch(failed)
    delAll.call(adapter, id)
  }

  const renew = setInterval(() => {
    if (pids.size === 0 || !client.isReady) return
    const batch = client.multi()
    for (const pid of pids.values()) batch.pExpire(key(pid), ttl)
    batch.exec().catch(failed)
  }, Math.max(1000, Math.floor(ttl / 2))).unref()
  adapter.close = () => {
    clearInterval(renew)
    if (flushing) clearImmediate(flushing)
    return close.call(adapter)
  }
}
