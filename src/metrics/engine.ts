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
import { frameSenderOf, replaceSendFrame, restoreSendFrame, type FrameSender, type SendFrame } from '../internals/ws.js'
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

/** Where a connection's state hangs on its engine.io socket, and a hook on its transport, ws and ws's sender. */
const STATE: unique symbol = Symbol('socketgate.engineMetrics')
interface Stated<S> { [STATE]?: S }

/**
 * One connection's heartbeat clock and hooks. The listeners and wrappers are shared by every
 * connection (they find this object, or a TransportHook, on what they are called on), so an
 * idle connection costs this object, one hook and a property on each hooked object, not a
 * dozen closures.
 */
class ConnState {
  readonly openedAt = performance.now()
  pingAt = 0
  /** The hook on the transport in use, and on the one being probed for an upgrade. */
  current: TransportHook
  next: TransportHook | undefined
  /** Whether the shared "packet" and "packetCreate" listeners are on the connection. */
  listeningIn = false
  listeningOut = false

  constructor (readonly conn: Conn & Stated<ConnState>, readonly metrics: EngineInstrumentation, transport: Transport, t: TransportState) {
    this.current = new TransportHook(this, transport, t)
  }

  ping (): void {
    this.pingAt = performance.now()
  }

  pong (): void {
    if (this.pingAt === 0) return
    this.metrics.catalog.heartbeat.series().observe((performance.now() - this.pingAt) / 1000)
    this.pingAt = 0
  }

  /** The connection's own events are needed while the transport in use counts from packets. */
  listen (): void {
    const { packetsIn, packetsOut } = this.current
    if (packetsIn !== this.listeningIn) {
      this.listeningIn = packetsIn
      if (packetsIn) this.conn.on('packet', receivePacket)
      else this.conn.off('packet', receivePacket)
    }
    if (packetsOut !== this.listeningOut) {
      this.listeningOut = packetsOut
      if (packetsOut) this.conn.on('packetCreate', packetCreated)
      else this.conn.off('packetCreate', packetCreated)
    }
  }
}

/** Counts what crosses one transport, both ways. */
class TransportHook {
  ws: (WsLike & Stated<TransportHook>) | undefined
  engineListener: OnMessage | undefined
  sender: (FrameSender & Stated<TransportHook>) | undefined
  tcp: { writableLength: number } | undefined
  sendFrame: SendFrame | undefined
  /** The transport's own send and onData, when replaced (packet counting). */
  send: Transport['send'] | undefined
  onData: Transport['onData'] | undefined
  /** Counted from engine.io's packets (in, out), not ws's frames. */
  readonly packetsIn: boolean
  readonly packetsOut: boolean

  constructor (readonly state: ConnState, readonly transport: Transport & Stated<TransportHook>, readonly t: TransportState) {
    const metrics = state.metrics
    const ws = websocketOf(transport, metrics.shapes.engineIo) as (WsLike & Stated<TransportHook>) | undefined
    // A compressed frame's header gives its compressed size: then count the packets instead (as
    // also without the ws internals the frame hook reads: src/internals/ws.ts).
    const frames = ws && metrics.shapes.ws.frames && !metrics.compresses ? frameSenderOf(ws) : undefined
    if (ws) {
      // engine.io's own listener, wrapped, rather than a second one: with two listeners every
      // frame takes EventEmitter's copy-the-listener-array path.
      const own = ws.listeners('message')
      this.engineListener = own.length === 1 ? own[0]! : undefined
      if (this.engineListener) ws.off('message', this.engineListener)
      ws[STATE] = this
      ws.on('message', receiveFrame)
      this.ws = ws
    }
    if (frames) {
      const sender = frames.sender as FrameSender & Stated<TransportHook>
      sender[STATE] = this
      this.sendFrame = replaceSendFrame(sender, sendFrameCounted)
      this.sender = sender
      this.tcp = frames.socket
    } else {
      // The transport's send, not the connection's "flush" event: the polling transport also
      // sends packets of its own (a noop that ends a poll during an upgrade, the close packet it
      // appends to its last payload), which never pass through the connection.
      transport[STATE] = this
      this.send = transport.send
      transport.send = sendCounted
    }
    this.packetsIn = !ws
    this.packetsOut = !frames
    if (!ws) {
      // Polling: a client's close packet ("1", sent as it leaves) is taken out of its payload
      // before any "packet" event: it is counted from the payload itself.
      if (transport.onData !== undefined) {
        transport[STATE] = this
        this.onData = transport.onData
        transport.onData = dataCounted
      }
    }
  }

  unhook (): void {
    const { ws, sender, transport } = this
    if (ws) {
      ws.off('message', receiveFrame)
      if (this.engineListener) ws.on('message', this.engineListener)
      this.ws = this.engineListener = undefined
    }
    if (sender) {
      restoreSendFrame(sender, this.sendFrame!)
      this.sender = this.tcp = this.sendFrame = undefined
    }
    if (this.send) {
      restoreMethod(transport, 'send', this.send)
      this.send = undefined
    }
    if (this.onData) {
      restoreMethod(transport, 'onData', this.onData)
      this.onData = undefined
    }
  }
}

/** Back to `original`: the prototype's when it was, so the instance keeps its shape. */
function restoreMethod<K extends 'send' | 'onData'> (transport: Transport, key: K, original: Transport[K]): void {
  if ((Object.getPrototypeOf(transport) as Transport | null)?.[key] === original) delete (transport as Partial<Transport>)[key]
  else transport[key] = original
}

/**
 * WebSocket, incoming: ws's messages are Buffers of the exact frame payload (one engine.io
 * packet each), so their size is free, where measuring the decoded string costs a UTF-8 scan.
 */
function receiveFrame (this: WsLike & Stated<TransportHook>, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
  const hook = this[STATE]!
  const t = hook.t
  t.packetsIn.value++
  // Behind the instanceof, V8 reads a Buffer's length inline; `byteLength` on a value that
  // might be an array was a generic property load calling the getter (bench/RESULTS.md).
  const n = data instanceof Uint8Array ? data.length : messageSize(data)
  t.bytesIn.value += n
  // "3": an engine.io pong.
  if (n === 1 && !isBinary && (data as Buffer)[0] === 0x33) hook.state.pong()
  const engineListener = hook.engineListener
  if (engineListener !== undefined) engineListener.call(this, data, isBinary)
}

/**
 * WebSocket, outgoing: one text or binary frame per engine.io packet (control frames are ws's
 * own), its payload length read from the header ws has just written. A broadcast pre-encodes
 * its frame once and hands it to every recipient's sender, so it costs no more here. In place
 * of the sender's sendFrame, where `this` is ws's sender.
 */
function sendFrameCounted (this: FrameSender & Stated<TransportHook>, list: ReadonlyArray<Buffer | string>, cb?: unknown): void {
  const hook = this[STATE]!
  const header = list[0] as Buffer
  const opcode = header[0]! & 0x0f
  // Text and binary frames carry engine.io packets; control frames are ws's own.
  if (opcode === 1 || opcode === 2) {
    let n = header[1]! & 0x7f
    if (n === 126) n = header.readUInt16BE(2)
    else if (n === 127) n = header.readUIntBE(4, 6)
    const t = hook.t
    t.packetsOut.value++
    t.bytesOut.value += n
    const data = list[1]
    if (opcode === 1 && typeof data === 'string') {
      // engine.io's ping: its clock starts as it leaves.
      if (n === 1) {
        if (data === '2') hook.state.ping()
      } else if (n > 2 && data.charCodeAt(1) === CONNECT_ERROR && data.charCodeAt(0) === MESSAGE) {
        // "4" (engine.io message) + "4" (Socket.IO CONNECT_ERROR). ws measured the string
        // before writing this header, which left it flat: reading two characters copies nothing.
        hook.state.metrics.connectError(data.slice(1))
      }
    }
  }
  hook.sendFrame!.call(this, list, cb)
  // The kernel did not take it all: the client may be falling behind (see slowClients).
  if (hook.tcp!.writableLength > 0) hook.state.metrics.suspects.add(hook.state.conn)
}

/**
 * Polling, and WebSocket under permessage-deflate or without the ws internals sendFrameCounted
 * reads: the packets the transport sends, counted as it sends them (after the call: polling
 * appends its close packet to this array as it sends it).
 */
function sendCounted (this: Transport & Stated<TransportHook>, packets: Packet[]): void {
  const hook = this[STATE]!
  hook.send!.call(this, packets)
  const { t, state } = hook
  const metrics = state.metrics
  for (const packet of packets) {
    t.packetsOut.value++
    t.bytesOut.value += metrics.sizeOut(packet, t)
    if (packet.type === 'message' && typeof packet.data === 'string' && packet.data.charCodeAt(0) === CONNECT_ERROR) metrics.connectError(packet.data)
  }
}

/** Polling: a POST's payload, for the client's close packet (see TransportHook). */
function dataCounted (this: Transport & Stated<TransportHook>, data: unknown): void {
  const hook = this[STATE]!
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('latin1') : ''
  if (text.length < 4096 ? text.split('\x1e').includes('1') : text === '1' || text.startsWith('1\x1e') || text.endsWith('\x1e1') || text.includes('\x1e1\x1e')) {
    hook.t.packetsIn.value++
    hook.t.bytesIn.value++
  }
  hook.onData!.call(this, data)
}

/** Packets in on the transport in use, when it counts from packets: a string's UTF-8 size is measured. */
function receivePacket (this: Conn & Stated<ConnState>, packet: Packet): void {
  const state = this[STATE]!
  const t = state.current.t
  t.packetsIn.value++
  t.bytesIn.value += typeof packet.data === 'string' ? 1 + Buffer.byteLength(packet.data) : sizeOf(packet.data, t)
  if (packet.type === 'pong') state.pong()
}

/** Created, not yet sent: a buffer that keeps growing is a slow client (or a polling client that does not poll). */
function packetCreated (this: Conn & Stated<ConnState>, packet: Packet): void {
  const state = this[STATE]!
  if (packet.type === 'ping') state.ping()
  const metrics = state.metrics
  if (metrics.queues.length(this) >= metrics.slowPackets) metrics.suspects.add(this)
}

/**
 * The new transport is counted from its probe on ("2probe" in, "3probe" out: both crossed it
 * before engine.io says it is upgrading), so the client's upgrade packet ("5") counts too.
 */
function upgrading (this: Conn & Stated<ConnState>, transport: Transport): void {
  const state = this[STATE]!
  const probing = state.metrics.transport(transport.name)
  probing.packetsIn.value++
  probing.bytesIn.value += PROBE_BYTES
  probing.packetsOut.value++
  probing.bytesOut.value += PROBE_BYTES
  state.next?.unhook()
  state.next = new TransportHook(state, transport, probing)
}

function upgraded (this: Conn & Stated<ConnState>, transport: Transport): void {
  const state = this[STATE]!
  const metrics = state.metrics
  state.current.unhook()
  state.current.t.open--
  const t = metrics.transport(transport.name)
  t.open++
  state.current = state.next?.transport === transport ? state.next : new TransportHook(state, transport, t)
  state.next = undefined
  state.listen()
  metrics.catalog.upgrades.series(transport.name).value++
}

function closed (this: Conn & Stated<ConnState>): void {
  const state = this[STATE]!
  const metrics = state.metrics
  state.current.unhook()
  state.next?.unhook()
  state.current.t.open--
  metrics.catalog.connectionDuration.series().observe((performance.now() - state.openedAt) / 1000)
  metrics.suspects.delete(this)
}

export class EngineInstrumentation {
  readonly #transports = new Map<string, TransportState>()
  /** Connections seen with a long outbound buffer; re-checked (and pruned) at each scrape. */
  readonly suspects = new Set<Conn>()
  // A broadcast hands every recipient the same encoded string with the same options object: its
  // size is computed once. The options are compared first: comparing two different strings of
  // one length (every echo's ack against the previous one) reads them both.
  #lastOptions: unknown
  #lastString = ''
  #lastLength = 1
  /** Whether WebSocket frames may be compressed (permessage-deflate). */
  compresses = false

  constructor (readonly catalog: Catalog, private readonly states: NamespaceStates, readonly slowPackets: number,
    readonly shapes: InternalShapes, readonly queues: OutboundQueues) {
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
    this.compresses = Boolean(engine.opts.perMessageDeflate)
    engine.on('connection', (conn: EngineSocket) => this.#connection(conn as unknown as Conn, engine))
    engine.on('connection_error', (err: { code?: unknown }) => { this.catalog.handshakeErrors.series(handshakeError(err.code)).value++ })
  }

  /** Slow clients now, and the packets waiting in their buffers; O(suspects), not O(sockets). */
  slowClients (): { clients: number, packets: number } {
    let clients = 0
    let packets = 0
    for (const conn of this.suspects) {
      const waiting = this.queues.length(conn)
      if (conn.readyState !== 'closed' && waiting >= this.slowPackets) {
        clients++
        packets += waiting
      } else if (conn.readyState === 'closed' || conn.transport.name !== 'websocket' || conn.transport.writable) {
        // A WebSocket whose last write the kernel has not taken stays a suspect: engine.io
        // buffers what follows without writing again, so nothing else would bring it back.
        this.suspects.delete(conn)
      }
    }
    return { clients, packets }
  }

  /** Outgoing on polling: a broadcast hands the same string to every recipient, so its size is kept. */
  sizeOut (packet: Packet, t: TransportState): number {
    const data = packet.data
    if (typeof data !== 'string') return sizeOf(data, t)
    if (packet.options !== this.#lastOptions || data !== this.#lastString) {
      this.#lastOptions = packet.options
      this.#lastString = data
      this.#lastLength = 1 + Buffer.byteLength(data)
    }
    return this.#lastLength
  }

  #connection (conn: Conn & Stated<ConnState>, engine: EngineServer): void {
    const t = this.transport(conn.transport.name)
    t.open++
    // The handshake ("open" packet) left before this listener existed: counted from its fields.
    const opts = engine.opts
    const upgrades = conn.getAvailableUpgrades()
    const open = JSON.stringify({ sid: conn.id, upgrades, pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout, maxPayload: opts.maxHttpBufferSize })
    t.packetsOut.value++
    t.bytesOut.value += 1 + Buffer.byteLength(open)

    const state = conn[STATE] = new ConnState(conn, this, conn.transport, t)
    state.listen()
    // Only a connection that may upgrade (one that started on polling) needs these.
    if (upgrades.length > 0) {
      conn.on('upgrading', upgrading)
      conn.on('upgrade', upgraded)
    }
    // engine.io emits "close" once.
    conn.on('close', closed)
  }

  /** `4/nsp,{"message":…,"data":{"code":…}}`: decoded only on this (rare) path. */
  connectError (encoded: string): void {
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
