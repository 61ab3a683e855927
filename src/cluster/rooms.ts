// Rooms across the cluster, for the rooms listing. The adapter's `rooms` map holds this node's
// sockets only; fetchSockets asks every node for its sockets and their rooms (one round trip
// through Redis, answered by each node from memory).
import type { Namespace } from 'socket.io'

export interface RoomCounts {
  sockets: number
  /** Room name → sockets in it on every node; private rooms (a socket's own id) left out. */
  rooms: Map<string, number>
}

export async function clusterRooms (nsp: Namespace, timeoutMs: number): Promise<RoomCounts> {
  const sockets = await nsp.timeout(timeoutMs).fetchSockets()
  const rooms = new Map<string, number>()
  for (const socket of sockets) {
    for (const room of socket.rooms) if (room !== socket.id) rooms.set(room, (rooms.get(room) ?? 0) + 1)
  }
  return { sockets: sockets.length, rooms }
}

/** The same counts from this node's adapter alone (single node). */
export function localRooms (nsp: Namespace): RoomCounts {
  const rooms = new Map<string, number>()
  for (const [room, sids] of nsp.adapter.rooms) if (!nsp.adapter.sids.has(room)) rooms.set(room, sids.size)
  return { sockets: nsp.sockets.size, rooms }
}
