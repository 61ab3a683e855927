// engine.io-level instrumentation: connections by transport, packets and bytes as encoded on
// the wire, heartbeat round trips, upgrades, handshake and connect errors, slow clients. Two
// listeners per connection carry all of it (incoming: the WebSocket's messages, or engine.io's
// 'packet' on polling; outgoing: 'packetCreate'); sizes come from the packet as engine.io
// encodes it, never from serialising a payload again.
import { performance } from 'node:perf_hooks'
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io'
import type { Catalog } from './catalog.js'
import type { CounterSeries } from './families.js'
import { handshakeError } from './labels.js'
import type { NamespaceStates } from './namespaces.js'

interface Packet { type: string, data?: unknown, options?: unknown }
interface Transport { name: string }
interface WsLike {
  on: (event: 'message', fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void) => void
  off: (event: 'message', fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void) => void
}
interface Conn {
  id: string
  transport: Transport
  writeBuffer: unknown[]
  readyState: string
  getAvailableUpgrades: () => string[]
  on: (event: string, fn: (...args: never[]) => void) => void
  once: (event: string, fn: (...args: never[]) => void) => void
  off: (event: string, fn: (...args: never[]) => void) => void
}

/** One transport's counters and its number of open connections. */
class TransportState {
  open = 0
  readonly packetsIn: CounterSeries
  readonly packetsOut: CounterSeries
  readonly bytesIn: CounterSeries
  readonly bytesOut: CounterSeries
  /** Polling carries binary as "b" + base64; WebSocket sends it as a raw binary frame. */
  readonly base64Binary: boolean

  constructor (catalog: Catalog, readonly name: string) {
    this.packetsIn = catalog.packetsReceived.series(name)
    this.packetsOut = catalog.packetsSent.series(name)
    this.bytesIn = catalog.bytesReceived.series(name)
    this.bytesOut = catalog.bytesSent.series(name)
    this.base64Binary = name === 'polling'
  }
}

const CONNECT_ERROR = 52 // '4': socket.io CONNECT_ERROR packet, inside an engine.io message

export class EngineInstrumentation {
  readonly #transports = new Map<string, TransportState>()
  /** Connections seen with a long outbound buffer; re-checked (and pruned) at each scrape. */
  readonly #suspects = new Set<Conn>()
  // A broadcast hands every recipient the same encoded string with the same options object: its
  // size is computed once. The options are compared first: comparing two different strings of
  // one length (every echo's ack against the previous one) reads them both.
  #lastOptions: unknown
  #lastString = ''
  #lastLength = 1

  constructor (private readonly catalog: Catalog, private readonly states: NamespaceStates, private readonly slowPackets: number) {
    for (const name of ['polling', 'websocket']) this.transport(name)
  }

  transport (name: string): TransportState {
    let t = this.#transports.get(name)
    if (!t) this.#transports.set(name, t = new TransportState(this.catalog, name))
    return t
  }

  get transports (): Iterable<TransportState> {
    return this.#transports.values()
  }

  attach (engine: EngineServer): void {
    engine.on('connection', (conn: EngineSocket) => this.#connection(conn as unknown as Conn, engine))
    engine.on('connection_error', (err: { code?: unknown }) => { this.catalog.handshakeErrors.series(handshakeError(err.code)).value++ })
  }

  /** Slow clients now, and the packets waiting in their buffers; O(slow clients), not O(sockets). */
  slowClients (): { clients: number, packets: number } {
    let clients = 0
    let packets = 0
    for (const conn of this.#suspects) {
      const waiting = conn.writeBuffer.length
      if (conn.readyState === 'closed' || waiting < this.slowPackets) {
        this.#suspects.delete(conn)
        continue
      }
      clients++
      packets += waiting
    }
    return { clients, packets }
  }

  /** Outgoing: a broadcast hands the same string to every recipient, so its size is kept. */
  #sizeOut (packet: Packet, t: TransportState): number {
    const data = packet.data
    if (typeof data !== 'string') return sizeOf(data, t)
    if (packet.options !== this.#lastOptions || data !== this.#lastString) {
      this.#lastOptions = packet.options
      this.#lastString = data
      this.#lastLength = 1 + Buffer.byteLength(data)
    }
    return this.#lastLength
  }

  /**
   * Counts what arrives on one transport; returns how to stop. On WebSocket it listens to the ws
   * socket itself, whose messages are Buffers of the exact frame payload (one engine.io packet
   * each): their size is free, where measuring the decoded string costs a UTF-8 scan.
   */
  #receive (conn: Conn, transport: Transport, t: TransportState, pong: () => void): () => void {
    const ws = transport.name === 'websocket' ? (transport as unknown as { socket?: WsLike }).socket : undefined
    if (ws) {
      const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
        t.packetsIn.value++
        const n = Array.isArray(data) ? data.reduce((sum, b) => sum + b.length, 0) : data.byteLength
        t.bytesIn.value += n
        // "3": an engine.io pong.
        if (n === 1 && !isBinary && (data as Buffer)[0] === 0x33) pong()
      }
      ws.on('message', onMessage)
      return () => { ws.off('message', onMessage) }
    }
    const onPacket = (packet: Packet): void => {
      t.packetsIn.value++
      t.bytesIn.value += typeof packet.data === 'string' ? 1 + Buffer.byteLength(packet.data) : sizeOf(packet.data, t)
      if (packet.type === 'pong') pong()
    }
    conn.on('packet', onPacket)
    return () => { conn.off('packet', onPacket) }
  }

  #connection (conn: Conn, engine: EngineServer): void {
    let t = this.transport(conn.transport.name)
    t.open++
    const openedAt = performance.now()
    let pingAt = 0
    // The handshake ("open" packet) left before this listener existed: counted from its fields.
    const opts = (engine as unknown as { opts: { pingInterval: number, pingTimeout: number, maxHttpBufferSize: number } }).opts
    const open = JSON.stringify({ sid: conn.id, upgrades: conn.getAvailableUpgrades(), pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout, maxPayload: opts.maxHttpBufferSize })
    t.packetsOut.value++
    t.bytesOut.value += 1 + Buffer.byteLength(open)

    const pong = (): void => {
      if (pingAt === 0) return
      this.catalog.heartbeat.series().observe((performance.now() - pingAt) / 1000)
      pingAt = 0
    }
    let stopReceiving = this.#receive(conn, conn.transport, t, pong)
    conn.on('packetCreate', (packet: Packet) => {
      t.packetsOut.value++
      t.bytesOut.value += this.#sizeOut(packet, t)
      if (packet.type === 'message') {
        if (typeof packet.data === 'string' && packet.data.charCodeAt(0) === CONNECT_ERROR) this.#connectError(packet.data)
      } else if (packet.type === 'ping') {
        pingAt = performance.now()
      }
      if (conn.writeBuffer.length >= this.slowPackets) this.#suspects.add(conn)
    })
    conn.on('upgrade', (transport: Transport) => {
      stopReceiving()
      t.open--
      t = this.transport(transport.name)
      t.open++
      stopReceiving = this.#receive(conn, transport, t, pong)
      this.catalog.upgrades.series(transport.name).value++
    })
    conn.once('close', () => {
      stopReceiving()
      t.open--
      this.catalog.connectionDuration.series().observe((performance.now() - openedAt) / 1000)
      this.#suspects.delete(conn)
    })
  }

  /** `4/nsp,{"message":…,"data":{"code":…}}`: decoded only on this (rare) path. */
  #connectError (encoded: string): void {
    const comma = encoded.indexOf(',')
    const named = encoded[1] === '/'
    const nspName = named ? encoded.slice(1, comma) : '/'
    if (!this.states.counts({ name: nspName })) return
    let body: { message?: unknown, data?: { code?: unknown } } = {}
    try {
      body = JSON.parse(named ? encoded.slice(comma + 1) : encoded.slice(1)) as typeof body
    } catch {}
    const state = this.states.named(nspName)
    const reason = !state
      ? 'unknown namespace'
      : connectErrorReason(body.data?.code)
    this.catalog.connectErrors.series(state?.label ?? '_unknown', reason).value++
  }
}

/** A packet without data is its type character; binary data is raw on WebSocket, "b" + base64 on polling. */
function sizeOf (data: unknown, t: TransportState): number {
  if (data === undefined) return 1
  const n = (data as ArrayBufferLike).byteLength ?? 0
  return t.base64Binary ? 1 + 4 * Math.ceil(n / 3) : n
}

function connectErrorReason (code: unknown): string {
  if (code === 'SG_AUTH_REQUIRED' || code === 'SG_AUTH_INVALID' || code === 'SG_TOKEN_EXPIRED') return 'auth refused'
  if (code === 'SG_DRAINING') return 'draining'
  return 'middleware error'
}
