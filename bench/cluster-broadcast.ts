// Cross-node broadcast delivery: latency (p50/p99) and throughput of room messages sent by a
// client on node 1 to receivers on node 2, against the same traffic on a single node, in one run.
// Gateways run in their own processes; clients live here, so one clock times send and delivery.
//   npx tsx bench/cluster-broadcast.ts [--receivers 20] [--messages 400] [--burst 2000]
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { io, type Socket } from 'socket.io-client'
import { buildGateway } from './gateway.js'

const { values } = parseArgs({
  options: { receivers: { type: 'string', default: '20' }, messages: { type: 'string', default: '400' }, burst: { type: 'string', default: '2000' } }
})
const RECEIVERS = Number(values.receivers)
const MESSAGES = Number(values.messages)
const BURST = Number(values.burst)
/** Messages in flight (sent, not yet acked) during the throughput burst. */
const WINDOW = 50

async function node (adapter: string, prefix: string): Promise<{ url: string, child: ChildProcess }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ADAPTER: adapter, BENCH_PREFIX: prefix }
  delete env.NODE_OPTIONS
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cluster-node.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  for await (const chunk of child.stdout!) {
    out += String(chunk)
    const m = /listening (\d+)/.exec(out)
    if (m) return { url: `http://127.0.0.1:${m[1]}`, child }
  }
  throw new Error(`${adapter} node exited before listening`)
}

async function client (url: string): Promise<Socket> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false })
  await new Promise((resolve) => s.once('connect', () => resolve(undefined)))
  return s
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function run (label: string, senderUrl: string, receiverUrl: string) {
  const sender = await client(senderUrl)
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => client(receiverUrl)))
  // Every socket is in chat-general: the sender's message reaches all receivers (and the sender).
  const latencies: number[] = []
  let delivered = 0
  let onDelivered = (): void => {}
  for (const r of receivers) {
    r.on('message:new', (msg: { content: string }) => {
      latencies.push(performance.now() - Number(msg.content.split(' ')[1]))
      delivered++
      onDelivered()
    })
  }
  // Warm-up: the JIT, the stream reader, the TCP windows.
  for (let i = 0; i < 50; i++) await sender.timeout(5000).emitWithAck('message:send', { content: `w ${performance.now()}` })
  await until(() => delivered >= 50 * RECEIVERS)

  // Latency: one message at a time, each after the previous one reached every receiver.
  latencies.length = 0
  delivered = 0
  for (let i = 0; i < MESSAGES; i++) {
    const target = (i + 1) * RECEIVERS
    const done = until(() => delivered >= target)
    sender.emit('message:send', { content: `m ${performance.now()}` })
    await done
  }
  const sorted = [...latencies].sort((a, b) => a - b)

  // Throughput: BURST messages with WINDOW in flight; deliveries per second until the last arrives.
  delivered = 0
  const start = performance.now()
  const allIn = until(() => delivered >= BURST * RECEIVERS)
  let inFlight = 0
  let sent = 0
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (inFlight < WINDOW && sent < BURST) {
        inFlight++
        sent++
        sender.emit('message:send', { content: `b ${performance.now()}` }, () => {
          inFlight--
          if (sent < BURST) pump()
          else if (inFlight === 0) resolve()
        })
      }
    }
    pump()
  })
  await allIn
  const seconds = (performance.now() - start) / 1000
  for (const s of [sender, ...receivers]) s.disconnect()
  return {
    setup: label,
    'p50 ms': pct(sorted, 0.5).toFixed(2),
    'p99 ms': pct(sorted, 0.99).toFixed(2),
    'max ms': sorted.at(-1)!.toFixed(2),
    'messages/s': Math.round(BURST / seconds),
    'deliveries/s': Math.round((BURST * RECEIVERS) / seconds)
  }

  function until (cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve()
    return new Promise((resolve) => {
      onDelivered = () => {
        if (!cond()) return
        onDelivered = () => {}
        resolve()
      }
    })
  }
}

buildGateway()
const results = []
const children: ChildProcess[] = []
try {
  const single = await node('memory', 'unused')
  children.push(single.child)
  results.push(await run('single node (in-memory adapter)', single.url, single.url))
  single.child.kill()

  for (const adapter of ['streams', 'classic']) {
    const prefix = `bench-${randomBytes(4).toString('hex')}`
    const [a, b] = await Promise.all([node(adapter, prefix), node(adapter, prefix)])
    children.push(a.child, b.child)
    const name = adapter === 'streams' ? 'redis-streams-adapter (chosen)' : 'redis-adapter (pub/sub)'
    results.push(await run(`2 nodes, ${name}, same node`, a.url, a.url))
    results.push(await run(`2 nodes, ${name}, cross-node`, a.url, b.url))
    a.child.kill()
    b.child.kill()
  }
} finally {
  for (const c of children) c.kill()
}
console.log(`receivers=${RECEIVERS} latency messages=${MESSAGES} burst=${BURST} window=${WINDOW} node=${process.version}`)
console.table(results)
