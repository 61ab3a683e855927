// Connection state recovery across nodes, including from a node that crashed. The streams
// adapter saves a socket's session (id, rooms, data) in Redis only when the socket disconnects;
// a node killed with SIGKILL saves nothing, and its clients could not recover on another node.
// So the session is mirrored to Redis while the socket lives: written after it joins or leaves
// rooms, its expiry renewed in one pipeline every half-lifetime, and deleted when the socket
// leaves for a reason that cannot be recovered. The key layout and encoding are the adapter's
// own. A mirrored session says `live: true` (a resume takes it over, see src/recovery/resume.ts)
// and names the adapter that wrote it: a node deletes a session only while it still holds its own
// copy, never one another node wrote after resuming it there.
import { encode } from '@msgpack/msgpack'
import type { FastifyBaseLogger } from 'fastify'
// The adapter's members this file wraps are its internals (src/internals/redis-streams-adapter.ts).
import type { SessionAdapter, SessionToPersist } from '../internals/redis-streams-adapter.js'
import type { RedisClient } from './redis.js'


/** DEL the key only if it still holds ARGV[1]. */
const DELETE_IF_UNCHANGED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

export function mirrorSessions (adapter: SessionAdapter, client: RedisClient, keyPrefix: string, log: FastifyBaseLogger): void {
  const recovery = adapter.nsp.server._opts.connectionStateRecovery
  if (!recovery) return
  const ttl = recovery.maxDisconnectionDuration ?? 120_000
  const key = (pid: string) => keyPrefix + pid
  const encoded = (session: SessionToPersist): string => Buffer.from(encode(session)).toString('base64')
  const save = (pid: string, value: string): Promise<unknown> => client.set(key(pid), value, { PX: ttl })
  const failed = (err: unknown) => log.debug({ err, nsp: adapter.nsp.name }, 'session not mirrored to redis')

  /** Socket id → pid and the value last written, for the sockets whose session is in Redis. */
  const pids = new Map<string, { pid: string, value: string }>()
  const persisted = new Set<string>()
  const dirty = new Set<string>()
  let flushing: NodeJS.Immediate | undefined
  // One write per socket per turn of the event loop, however many rooms it joined in that turn.
  const flush = (): void => {
    flushing = undefined
    for (const id of dirty) {
      const socket = adapter.nsp.sockets.get(id)
      if (socket?.pid === undefined) continue
      const value = encoded({ sid: id, pid: socket.pid, rooms: [...socket.rooms], data: socket.data, live: true, by: adapter.uid })
      pids.set(id, { pid: socket.pid, value })
      save(socket.pid, value).catch(failed)
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
    save(session.pid, encoded(session)).catch((err: unknown) => log.warn({ err, nsp: adapter.nsp.name }, 'session not saved for connection state recovery'))
  }
  adapter.delAll = (id) => {
    dirty.delete(id)
    const mirrored = pids.get(id)
    pids.delete(id)
    if (mirrored !== undefined && !persisted.delete(id)) {
      client.eval(DELETE_IF_UNCHANGED, { keys: [key(mirrored.pid)], arguments: [mirrored.value] }).catch(failed)
    }
    delAll.call(adapter, id)
  }

  const renew = setInterval(() => {
    if (pids.size === 0 || !client.isReady) return
    const batch = client.multi()
    for (const { pid } of pids.values()) batch.pExpire(key(pid), ttl)
    batch.exec().catch(failed)
  }, Math.max(1000, Math.floor(ttl / 2))).unref()
  adapter.close = () => {
    clearInterval(renew)
    if (flushing) clearImmediate(flushing)
    return close.call(adapter)
  }
}
