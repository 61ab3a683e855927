// One operator's view: the sockets its UI holds, never more than ADMIN_SOCKET_LIST_MAX (plus what
// it searched for). Live updates are filtered through it: a new socket is added while there is
// room, and an update about a socket the UI does not hold is not sent, so a browser watching a
// cluster of any size holds a bounded list.
import type { Socket } from 'socket.io'
import type { LiveEvent } from './feed.js'
import type { SocketSummary } from './snapshot.js'

/** Sockets found by search that a view may hold beyond its list's limit. */
export const SEARCH_EXTRA = 500
/** Updates kept for a view whose initial list is still being gathered. */
const MAX_BACKLOG = 10_000

/** The line the page script shows above the Sockets, Rooms and Clients pages. */
export interface ListInfo {
  shown: number
  /** Sockets in the cluster (or on the nodes that answered, when `complete` is false). */
  total: number
  limit: number
  complete: boolean
}

export class OperatorView {
  readonly shown = new Set<string>()
  #ready = false
  #backlog: LiveEvent[] = []
  #lastInfo = ''
  #complete = true
  /** Set while a search of this operator runs. */
  searching = false

  constructor (readonly socket: Socket, readonly limit: number) {}

  /** Sends the initial list; updates that arrived meanwhile follow it. */
  list (sockets: SocketSummary[], total: number, complete: boolean): void {
    this.shown.clear()
    for (const s of sockets) this.shown.add(s.id)
    this.#complete = complete
    this.socket.emit('all_sockets', sockets)
    this.#ready = true
    const backlog = this.#backlog
    this.#backlog = []
    this.deliver(backlog)
    this.report(total)
  }

  deliver (batch: LiveEvent[]): void {
    if (!this.#ready) {
      if (this.#backlog.length + batch.length <= MAX_BACKLOG) this.#backlog.push(...batch)
      return
    }
    for (const event of batch) this.#one(event)
  }

  #one (event: LiveEvent): void {
    const socket = this.socket
    switch (event[0]) {
      case 'socket_connected': {
        const id = event[1].id
        if (this.shown.has(id) || this.shown.size >= this.limit) return
        this.shown.add(id)
        socket.emit(event[0], event[1], event[2])
        return
      }
      case 'socket_disconnected':
        if (this.shown.delete(event[2])) socket.emit(event[0], event[1], event[2], event[3], event[4])
        return
      default:
        if (this.shown.has(event[3])) socket.emit(event[0], event[1], event[2], event[3], event[4])
    }
  }

  /** Puts a socket found by search in the UI's lists (as a connection at its connect time). */
  found (summary: SocketSummary): void {
    if (this.shown.has(summary.id) || this.shown.size >= this.limit + SEARCH_EXTRA) return
    this.shown.add(summary.id)
    this.socket.emit('socket_connected', summary, new Date(summary.handshake.issued).toISOString())
  }

  /** Tells the page script how much of the cluster the lists hold, when that changed. */
  report (total: number): void {
    if (!this.#ready) return
    const info: ListInfo = { shown: this.shown.size, total, limit: this.limit, complete: this.#complete }
    const key = JSON.stringify(info)
    if (key === this.#lastInfo) return
    this.#lastInfo = key
    this.socket.emit('socketgate:list', info)
  }
}
