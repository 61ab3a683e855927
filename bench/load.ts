// Load generator: `connections` connections, each keeping `window` echo events with an ack in
// flight, for `seconds` after a one-second warm-up. Prints one JSON line: acks per second and ack
// latency percentiles (ms).
//
// Given several ports (one server each), it loads one server at a time and switches every
// SLICE_MS (default 500) for `seconds` per server, after a warm-up of each: what else runs on
// the machine then slows every server alike, where runs one after the other differ by ±20 %.
// It prints one JSON line per port.
//
// By default each connection is a raw WebSocket that speaks the Socket.IO protocol with
// pre-encoded events, batched into one write per arriving chunk: measured here it costs the
// generator ~15 µs of CPU per echo, less than the server's ~20 µs, so the server sets the pace.
// CLIENT=socket.io uses socket.io-client instead, the realistic client, at ~23 µs per echo: the
// generator then saturates before the server does.
//   [CLIENT=raw|socket.io] [SLICE_MS=500] node --import tsx bench/load.ts <port>[,<port>…] [connections=50] [window=4] [seconds=10] [payloadBytes=64]
import { performance } from 'node:perf_hooks'
import { io } from 'socket.io-client'
import WebSocket from 'ws'

const ports = (process.argv[2] ?? '').split(',').map(Number)
const [connections = 50, window = 4, seconds = 10, payloadBytes = 64] = process.argv.slice(3).map(Number)
const payload = { text: 'x'.repeat(payloadBytes!) }

/** Sends one echo; calls `done` when its ack arrives. */
type Echo = (done: () => void) => void

async function socketIoClient (port: number): Promise<{ echo: Echo, close: () => void }> {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  return { echo: (done) => { socket.emit('echo', payload, done) }, close: () => socket.disconnect() }
}

// Engine.io packet types: 0 open, 2 ping, 3 pong, 4 message; Socket.IO: 0 CONNECT, 2 EVENT, 3 ACK.
async function rawClient (port: number): Promise<{ echo: Echo, close: () => void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`)
  const body = JSON.stringify(['echo', payload])
  const pending = new Map<number, () => void>()
  let nextId = 0
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (data: Buffer) => {
      const m = data.toString()
      if (m.startsWith('43')) {
        const id = Number.parseInt(m.slice(2), 10)
        const done = pending.get(id)
        pending.delete(id)
        done?.()
      } else if (m === '2') {
        ws.send('3')
      } else if (m[0] === '0') {
        ws.send('40')
      } else if (m.startsWith('40')) {
        resolve()
      } else if (m.startsWith('44')) {
        reject(new Error(`connect refused: ${m}`))
      }
    })
  })
  // The events an arriving TCP chunk's acks trigger leave in one write: a system call per event
  // would cost the generator more than the echo costs the server.
  const tcp = (ws as unknown as { _socket: { cork: () => void, uncork: () => void } })._socket
  let corked = false
  const uncork = (): void => {
    corked = false
    tcp.uncork()
  }
  return {
    echo: (done) => {
      const id = nextId++
      pending.set(id, done)
      if (!corked) {
        corked = true
        tcp.cork()
        process.nextTick(uncork)
      }
      ws.send(`42${id}${body}`)
    },
    close: () => ws.close()
  }
}

/** One server's connections and what they measured. */
class Target {
  // Latencies in 10 µs steps up to 1 s; enough for percentiles without keeping every sample.
  readonly histogram = new Uint32Array(100_001)
  acks = 0
  measuredMs = 0
  active = false
  inFlight = 0

  constructor (readonly port: number, readonly clients: Array<{ echo: Echo, close: () => void }>) {}

  /** Keeps `window` echoes in flight on each connection while active. */
  start (measuring: () => boolean): void {
    this.active = true
    const loop = (client: { echo: Echo }): void => {
      const start = performance.now()
      this.inFlight++
      client.echo(() => {
        this.inFlight--
        if (!this.active) return
        if (measuring()) {
          this.acks++
          this.histogram[Math.min(100_000, Math.round((performance.now() - start) * 100))]!++
        }
        loop(client)
      })
    }
    for (const client of this.clients) for (let i = 0; i < window!; i++) loop(client)
  }

  /** Stops sending; resolves once the last answer is in. */
  async stop (): Promise<void> {
    this.active = false
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1))
  }

  percentile (p: number): number {
    let seen = 0
    const target = this.acks * p
    for (let i = 0; i < this.histogram.length; i++) {
      seen += this.histogram[i]!
      if (seen >= target) return i / 100
    }
    return NaN
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function main (): Promise<void> {
  const connect = process.env.CLIENT === 'socket.io' ? socketIoClient : rawClient
  const targets = await Promise.all(ports.map(async (port) => new Target(port, await Promise.all(Array.from({ length: connections! }, async () => await connect(port))))))
  let measuring = false
  for (const target of targets) {
    target.start(() => false)
    await sleep(1000)
    await target.stop()
  }
  const slice = targets.length > 1 ? Number(process.env.SLICE_MS ?? 500) : seconds! * 1000
  for (let done = 0; done < seconds! * 1000; done += slice) {
    for (const target of targets) {
      measuring = true
      const started = performance.now()
      target.start(() => measuring)
      await sleep(slice)
      measuring = false
      target.measuredMs += performance.now() - started
      await target.stop()
    }
  }
  for (const t of targets) {
    const result = { port: t.port, acksPerSecond: Math.round(t.acks / t.measuredMs * 1000), p50: t.percentile(0.5), p99: t.percentile(0.99), acks: t.acks }
    process.stdout.write(JSON.stringify(result) + '\n')
    for (const c of t.clients) c.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
