// Load generator: `connections` socket.io-client connections, each keeping `window` echo
// emitWithAck calls in flight, for `seconds` after a one-second warm-up. Prints one JSON line:
// acks per second and ack latency percentiles (ms).
//   node --import tsx bench/load.ts <port> [connections=50] [window=4] [seconds=10] [payloadBytes=64]
import { performance } from 'node:perf_hooks'
import { io, type Socket } from 'socket.io-client'

const [port, connections = 50, window = 4, seconds = 10, payloadBytes = 64] = process.argv.slice(2).map(Number)
const payload = { text: 'x'.repeat(payloadBytes!) }

async function connect (): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  return socket
}

async function main (): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: connections! }, connect))
  // Latencies in 10 µs steps up to 1 s; enough for percentiles without keeping every sample.
  const histogram = new Uint32Array(100_001)
  let measuring = false
  let stop = false
  let acks = 0
  const loop = async (socket: Socket): Promise<void> => {
    while (!stop) {
      const start = performance.now()
      await socket.emitWithAck('echo', payload)
      if (measuring) {
        acks++
        histogram[Math.min(100_000, Math.round((performance.now() - start) * 100))]!++
      }
    }
  }
  const loops = sockets.flatMap((s) => Array.from({ length: window! }, () => loop(s)))
  await new Promise((resolve) => setTimeout(resolve, 1000))
  measuring = true
  process.stdout.write('MEASURE\n')
  const started = performance.now()
  await new Promise((resolve) => setTimeout(resolve, seconds! * 1000))
  measuring = false
  const elapsed = (performance.now() - started) / 1000
  stop = true
  await Promise.all(loops)
  const percentile = (p: number): number => {
    let seen = 0
    const target = acks * p
    for (let i = 0; i < histogram.length; i++) {
      seen += histogram[i]!
      if (seen >= target) return i / 100
    }
    return NaN
  }
  process.stdout.write(JSON.stringify({ acksPerSecond: Math.round(acks / elapsed), p50: percentile(0.5), p99: percentile(0.99), acks }) + '\n')
  for (const s of sockets) s.disconnect()
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
