// engine.io-level instrumentation: connections by transport, packets and bytes as encoded on
// the wire, heartbeat round trips, upgrades, handshake and connect errors, slow clients. Sizes
// come from what engine.io and ws already hold, never from serialising a payload again: on
// WebSocket, the received frames' Buffers and the sent frames' headers (ws has just measured
// the payload to write them: measuring it again, a UTF-8 scan and a copy of the string, was
// half of this module's cost per packet); on polling, and under permessage-deflate, the
// packets themselves.
import { performance } from 'node:perf_hooks'
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io'
import { OutboundQueues, websocketOf } from '../internals/engine-io.js'
import type { InternalShapes } from '../internals/index.js'
import { frameSenderOf, wrapSendFrame, type FrameSender } from '../internals/ws.js'
import type { Catalog } from './catalog.js'
import type { CounterSeries } from './families.js'
import { HANDSHAKE_ERRORS, UNKNOWN_NAMESPACE, handshakeError } from './labels.js'
import type { NamespaceStates } from './namespaces.js'

interface Packet { type: string, data?: unknown, options?: unknown }
interface Transport {
  name: string
  writable?: boolean
  /** Every transport's way out: engine.io's flush, and the polling transport's own noop and close packets. */
  send: (packets: Packet[]) => void
  /** Polling: a POST's payload, before its close packet is taken out (it never becomes a "packet" event). */
  onData?: (data: unknown) => void
}
type OnMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void
interface WsLike {
  listeners: (event: 'message') => OnMessage[]
  on: (event: 'message', fn: OnMessage) => void
  off: (event: 'message', fn: OnMessage) => void
}
interface Conn {
  id: string
  transport: Transport
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

const MESSAGE = 52 // '4': an engine.io message
/** "2probe" and "3probe": the ping and pong that test a transport before an upgrade. */
const PROBE_BYTES = 6
const CONNECT_ERROR = 52 // '4': a Socket.IO CONNECT_ERROR packet, inside an engine.io message

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
  /** Whether WebSocket frames may be compressed (permessage-deflate). */
  #compresses = false

  constructor (private readonly catalog: Catalog, private readonly states: NamespaceStates, private readonly slowPackets: number,
    private readonly shapes: InternalShapes, private readonly queues: OutboundQueues) {
    for (const name of ['polling', 'websocket']) this.transport(name)
    // Every closed label set at 0 from start-up: rate() cannot see a series' first increment.
    for (const reason of [...HANDSHAKE_ERRORS, 'other']) catalog.handshakeErrors.series(reason)
    catalog.upgrades.series('websocket')
    catalog.connectErrors.series(UNKNOWN_NAMESPACE.namespace, UNKNOWN_NAMESPACE.reason)
    catalog.heartbeat.series()
    catalog.connectionDuration.series()
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
    this.#compresses = Boolean(engine.opts.perMessageDeflate)
    engine.on('connection', (conn: EngineSocket) => this.#connection(conn as unknown as Conn, engine))
    engine.on('connection_error', (err: { code?: unknown }) => { this.catalog.handshakeErrors.series(handshakeError(err.code)).value++ })
  }

  /** Slow clients now, and the packets waiting in their buffers; O(suspects), not O(sockets). */
  slowClients (): { clients: number, packets: number } {
    let clients = 0
    let packets = 0
    for (const conn of this.#suspects) {
      const waiting = this.queues.length(conn)
      if (conn.readyState !== 'closed' && waiting >= this.slowPackets) {
        clients++
        packets += waiting
      } else if (conn.readyState === 'closed' || conn.transport.name !== 'websocket' || conn.transport.writable) {
        // A WebSocket whose last write the kernel has not taken stays a suspect: engine.io
        // buffers what follows without writing again, so nothing else would bring it back.
        this.#suspects.delete(conn)
      }
    }
    return { clients, packets }
  }

  /** Outgoing on polling: a broadcast hands the same string to every recipient, so its size is kept. */
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

  /** Counts what crosses one transport, both ways, and times heartbeats; returns how to stop. */
  #hook (conn: Conn, transport: Transport, t: TransportState, ping: () => void, pong: () => void): () => void {
    const ws = websocketOf(transport, this.shapes.engineIo) as WsLike | undefined
    const stopIn = ws ? this.#receiveFrames(ws, t, pong) : this.#receivePackets(conn, transport, t, pong)
    // A compressed frame's header gives its compressed size: then count the packets instead (as
    // also without the ws internals the frame hook reads: src/internals/ws.ts).
    const frames = ws && this.shapes.ws.frames && !this.#compresses ? frameSenderOf(ws) : undefined
    const stopOut = frames ? this.#sendFrames(conn, frames.sender, frames.socket, t, ping) : this.#sendPackets(conn, transport, t, ping)
    return () => {
      stopIn()
      stopOut()
    }
  }

  /**
   * WebSocket, incoming: ws's messages are Buffers of the exact frame payload (one engine.io
   * packet each), so their size is free, where measuring the decoded string costs a UTF-8 scan.
   */
  #receiveFrames (ws: WsLike, t: TransportState, pong: () => void): () => void {
    const { packetsIn, bytesIn } = t
    // engine.io's own listener, wrapped, rather than a second one: with two listeners every
    // frame takes EventEmitter's copy-the-listener-array path.
    const own = ws.listeners('message')
    const engineListener = own.length === 1 ? own[0]! : undefined
    const onMessage = function (this: WsLike, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
      packetsIn.value++
      // Behind the instanceof, V8 reads a Buffer's length inline; `byteLength` on a value that
      // might be an array was a generic property load calling the getter (bench/RESULTS.md).
      const n = data instanceof Uint8Array ? data.length : messageSize(data)
      bytesIn.value += n
      // "3": an engine.io pong.
      if (n === 1 && !isBinary && (data as Buffer)[0] === 0x33) pong()
      if (engineListener !== undefined) engineListener.call(this, data, isBinary)
    }
    if (engineListener) ws.off('message', engineListener)
    ws.on('message', onMessage)
    return () => {
      ws.off('message', onMessage)
      if (engineListener) ws.on('message', engineListener)
    }
  }

  /**
   * WebSocket, outgoing: one text or binary frame per engine.io packet (control frames are ws's
   * own), its payload length read from the header ws has just written. A broadcast pre-encodes
   * its frame once and hands it to every recipient's sender, so it costs no more here.
   */
  #sendFrames (conn: Conn, sender: FrameSender, socket: { writableLength: number }, t: TransportState, ping: () => void): () => void {
    const { packetsOut, bytesOut } = t
    const suspects = this.#suspects
    const connectError = (encoded: string): void => { this.#connectError(encoded) }
    // Counted in the wrapper itself, where `this` is ws's sender.
    return wrapSendFrame(sender, (sendFrame) => function (list, cb) {
      const header = list[0] as Buffer
      const opcode = header[0]! & 0x0f
      // Text and binary frames carry engine.io packets; control frames are ws's own.
      if (opcode === 1 || opcode === 2) {
        let n = header[1]! & 0x7f
        if (n === 126) n = header.readUInt16BE(2)
        else if (n === 127) n = header.readUIntBE(4, 6)
        packetsOut.value++
        bytesOut.value += n
        const data = list[1]
        if (opcode === 1 && typeof data === 'string') {
          // engine.io's ping: its clock starts as it leaves.
          if (n === 1) {
            if (data === '2') ping()
          } else if (n > 2 && data.charCodeAt(1) === CONNECT_ERROR && data.charCodeAt(0) === MESSAGE) {
            // "4" (engine.io message) + "4" (Socket.IO CONNECT_ERROR). ws measured the string
            // before writing this header, which left it flat: reading two characters copies nothing.
            connectError(data.slice(1))
          }
        }
      }
      sendFrame.call(this, list, cb)
      // The kernel did not take it all: the client may be falling behind (see slowClients).
      if (socket.writableLength > 0) suspects.add(conn)
    })
  }

  /**
   * Polling, and WebSocket under permessage-deflate or without the ws internals #sendFrames
   * reads: the packets engine.io hands the transport, counted when it does, so a packet queued
   * during an upgrade counts on the transport that carries it.
   */
  #sendPackets (conn: Conn, transport: Transport, t: TransportState, ping: () => void): () => void {
    // Created, not yet sent: a buffer that keeps growing is a slow client (or a polling client
    // that does not poll).
    const onCreate = (packet: Packet): void => {
      if (packet.type === 'ping') ping()
      if (this.queues.length(conn) >= this.slowPackets) this.#suspects.add(conn)
    }
    // The transport's send, not the connection's "flush" event: the polling transport also
    // sends packets of its own (a noop that ends a poll during an upgrade, the close packet it
    // appends to its last payload), which never pass through the connection.
    const send = transport.send
    const own = Object.hasOwn(transport, 'send')
    const count = (packets: Packet[]): void => {
      for (const packet of packets) {
        t.packetsOut.value++
        t.bytesOut.value += this.#sizeOut(packet, t)
        if (packet.type === 'message' && typeof packet.data === 'string' && packet.data.charCodeAt(0) === CONNECT_ERROR) this.#connectError(packet.data)
      }
    }
    transport.send = function (packets) {
      send.call(this, packets)
      // After the call: polling appends its close packet to this array as it sends it.
      count(packets)
    }
    conn.on('packetCreate', onCreate)
    return () => {
      conn.off('packetCreate', onCreate)
      if (own) transport.send = send
      else delete (transport as Partial<Transport>).send
    }
  }

  /**
   * Polling: engine.io's decoded packets; a string's UTF-8 size is measured. A client's close
   * packet ("1", sent as it leaves) is taken out of its payload before any "packet" event: it
   * is counted from the payload itself.
   */
  #receivePackets (conn: Conn, transport: Transport, t: TransportState, pong: () => void): () => void {
    const onPacket = (packet: Packet): void => {
      t.packetsIn.value++
      t.bytesIn.value += typeof packet.data === 'string' ? 1 + Buffer.byteLength(packet.data) : sizeOf(packet.data, t)
      if (packet.type === 'pong') pong()
    }
    conn.on('packet', onPacket)
    const onData = transport.onData
    const own = Object.hasOwn(transport, 'onData')
    if (onData !== undefined) {
      transport.onData = function (data) {
        const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('latin1') : ''
        if (text.length < 4096 ? text.split('\x1e').includes('1') : text === '1' || text.startsWith('1\x1e') || text.endsWith('\x1e1') || text.includes('\x1e1\x1e')) {
          t.packetsIn.value++
          t.bytesIn.value++
        }
        onData.call(this, data)
      }
    }
    return () => {
      conn.off('packet', onPacket)
      if (onData === undefined) return
      if (own) transport.onData = onData
      else delete transport.onData
    }
  }

  #connection (conn: Conn, engine: EngineServer): void {
    let t = this.transport(conn.transport.name)
    t.open++
    const openedAt = performance.now()
    let pingAt = 0
    // The handshake ("open" packet) left before this listener existed: counted from its fields.
    const opts = engine.opts
    const open = JSON.stringify({ sid: conn.id, upgrades: conn.getAvailableUpgrades(), pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout, maxPayload: opts.maxHttpBufferSize })
    t.packetsOut.value++
    t.bytesOut.value += 1 + Buffer.byteLength(open)

    const pong = (): void => {
      if (pingAt === 0) return
      this.catalog.heartbeat.series().observe((performance.now() - pingAt) / 1000)
      pingAt = 0
    }
    const ping = (): void => { pingAt = performance.now() }
    let stop = this.#hook(conn, conn.transport, t, ping, pong)
    // The new transport is counted from its probe on ("2probe" in, "3probe" out: both crossed it
    // before engine.io says it is upgrading), so the client's upgrade packet ("5") counts too.
    let next: { transport: Transport, stop: () => void } | undefined
    conn.on('upgrading', (transport: Transport) => {
      const probing = this.transport(transport.name)
      probing.packetsIn.value++
      probing.bytesIn.value += PROBE_BYTES
      probing.packetsOut.value++
      probing.bytesOut.value += PROBE_BYTES
      next?.stop()
      next = { transport, stop: this.#hook(conn, transport, probing, ping, pong) }
    })
    conn.on('upgrade', (transport: Transport) => {
      stop()
      t.open--
      t = this.transport(transport.name)
      t.open++
      stop = next?.transport === transport ? next.stop : this.#hook(conn, transport, t, ping, pong)
      next = undefined
      this.catalog.upgrades.series(transport.name).value++
    })
    conn.once('close', () => {
      stop()
      next?.stop()
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
      ? UNKNOWN_NAMESPACE.reason
      : connectErrorReason(body.data?.code)
    this.catalog.connectErrors.series(state?.label ?? UNKNOWN_NAMESPACE.namespace, reason).value++
  }
}

/** A ws message that is not one Buffer (binaryType "arraybuffer" or "fragments": engine.io sets neither). */
function messageSize (data: ArrayBuffer | Buffer[]): number {
  return Array.isArray(data) ? data.reduce((sum, b) => sum + b.length, 0) : data.byteLength
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
