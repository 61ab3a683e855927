// What a connected socket is sent, on the adapter instance of each namespace:
// - CONNECTION_RECOVERY=auto: a socket whose handshake did not ask for recovery
//   (`auth.recovery !== true`) loses its `pid` before its CONNECT reply is written, so the reply
//   is `{ sid }`, its session is never saved, and it gets every broadcast without the offset
//   argument: a second encoding, made the first time such a socket is among the recipients. Two
//   encodings per broadcast at most, never one per recipient.
// - A resumed socket gets, the moment it joins, the packets sent between the end of its replay
//   and that moment (its replay was read before it could receive anything), and skips the live
//   packets its replay already held (clustered, another node's broadcast can reach this node
//   after a replay read it from Redis). Each packet exactly once.
// The adapter's `broadcast` encodes once (`_encode`) and then hands the encoding to each
// recipient (`apply`): socket.io-adapter internals, see src/internals/socket-io-adapter-recovery.ts.
import type { Audience, Packet, PacketOptions } from './types.js'

/** What this file reads of a Socket.IO socket: the members the adapter's own broadcast uses. */
export interface Recipient {
  id: string
  pid?: string
  recovered: boolean
  rooms: Set<string>
  handshake: { auth?: { recovery?: unknown } }
  notifyOutgoingListeners?: (packet: Packet) => void
  client: { writeToEngine: (encoded: unknown[], opts: PacketOptions) => void }
}

export interface DeliveryAdapter {
  nsp: { name: string, sockets: Map<string, Recipient> }
  encoder: { encode: (packet: Packet) => unknown[] }
  addAll: (id: string, rooms: Set<string>) => Promise<void> | void
  _encode: (packet: Packet, opts: PacketOptions) => unknown[]
  apply: (opts: Audience, callback: (socket: Recipient) => void) => void
}

/** The packets this node delivered, by offset: what a resumed socket may have missed while it joined. */
export interface Delivered {
  /** Packets after `offset` that reached `rooms`, oldest first. */
  after: (offset: string, rooms: string[]) => unknown[][]
  /** Called for each packet with an offset as it is delivered (unless the store keeps it already). */
  record?: (offset: string, data: unknown[], audience: Audience) => void
  /** Offsets order: negative when `a` came first. */
  compare: (a: string, b: string) => number
}

export interface DeliveryOptions {
  /** Packets that carry an offset as their last argument. */
  withOffset: WeakSet<Packet>
  /** Strip the offset for sockets that did not ask (CONNECTION_RECOVERY=auto). */
  perClient: boolean
  delivered: Delivered
}

/** Did this socket's handshake ask for recovery? A recovered socket did, when it first connected. */
export const asksForRecovery = (socket: Recipient): boolean =>
  socket.recovered || socket.handshake.auth?.recovery === true

export class Deliveries {
  /** Socket id → the last offset its replay held, until the socket joins. */
  readonly #resuming = new Map<string, { upTo: string, at: number }>()
  /** Resumed sockets → the last offset their replay held. */
  readonly #replayed = new WeakMap<Recipient, string>()
  readonly #adapter: DeliveryAdapter
  readonly #opts: DeliveryOptions

  constructor (adapter: DeliveryAdapter, opts: DeliveryOptions) {
    this.#adapter = adapter
    this.#opts = opts
  }

  /** A resume of socket `sid` replays up to `upTo`: it catches up on the rest when it joins. */
  resuming (sid: string, upTo: string | undefined): void {
    const now = Date.now()
    // A resume whose socket never joined (refused by a middleware) is forgotten after a minute.
    for (const [id, entry] of this.#resuming) if (entry.at < now - 60_000) this.#resuming.delete(id)
    if (upTo !== undefined) this.#resuming.set(sid, { upTo, at: now })
  }

  #joined (socket: Recipient): void {
    const entry = this.#resuming.get(socket.id)
    if (entry === undefined) return
    this.#resuming.delete(socket.id)
    this.#replayed.set(socket, entry.upTo)
    const adapter = this.#adapter
    for (const data of this.#opts.delivered.after(entry.upTo, [...socket.rooms])) {
      socket.client.writeToEngine(adapter.encoder.encode({ type: 2, nsp: adapter.nsp.name, data }), { preEncoded: true })
    }
  }

  /** Wraps the adapter; after resume.ts, so that a plain client's pid is gone before resume.ts sees it. */
  install (): void {
    const adapter = this.#adapter
    const { withOffset, perClient, delivered } = this.#opts
    const { addAll, _encode, apply } = adapter

    adapter.addAll = (id, rooms) => {
      // Socket.IO joins a socket to its own room right before writing its CONNECT reply.
      if (rooms.size === 1 && rooms.has(id)) {
        const socket = adapter.nsp.sockets.get(id)
        if (socket !== undefined) {
          if (perClient && socket.pid !== undefined && !asksForRecovery(socket)) socket.pid = undefined
          this.#joined(socket)
        }
      }
      return addAll.call(adapter, id, rooms)
    }

    // `_encode` runs right before `apply`, in the same synchronous broadcast: what it leaves
    // here is for that `apply` call only.
    let current: { packet: Packet, opts: PacketOptions } | undefined
    adapter._encode = function (packet, opts) {
      current = withOffset.has(packet) ? { packet, opts } : undefined
      return _encode.call(this, packet, opts)
    }
    adapter.apply = (audience, callback) => {
      const encoded = current
      current = undefined
      if (encoded === undefined) return apply.call(adapter, audience, callback)
      const { packet, opts } = encoded
      const offset = packet.data![packet.data!.length - 1] as string
      delivered.record?.(offset, packet.data!, audience)
      let bare: { packet: Packet, opts: PacketOptions, encoded?: unknown[] } | undefined
      apply.call(adapter, audience, (socket) => {
        if (socket.pid === undefined) {
          if (!perClient) return callback(socket)
          bare ??= { packet: { ...packet, data: packet.data!.slice(0, -1) }, opts: { preEncoded: true, volatile: opts.volatile, compress: opts.compress } }
          bare.encoded ??= _encode.call(adapter, bare.packet, bare.opts)
          socket.notifyOutgoingListeners?.(bare.packet)
          return socket.client.writeToEngine(bare.encoded, bare.opts)
        }
        const upTo = this.#replayed.get(socket)
        if (upTo !== undefined && delivered.compare(offset, upTo) <= 0) return
        callback(socket)
      })
    }
  }
}
