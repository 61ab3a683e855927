// Load generator for a running socketgate, through its own chat protocol and the real client:
// `clients` socket.io-client connections, in rooms of `roomSize`, each sending `rate` chat
// messages a second for `seconds`. Measures what a user of the deployment sees: connect time,
// message:send ack latency, send → message:new delivery latency (one clock: sender and
// receivers live in this process), deliveries against the number the rooms imply, errors and
// disconnections. Point it at a gateway and watch the dashboards (docs/monitoring.md) move.
// It also reports its own CPU use while sending: a generator near one full core measures its own
// queueing (socket.io-client over long-polling is the expensive case), and says so. Given the
// gateways' /metrics (METRICS_URL, comma-separated for several nodes), it reports what they
// used for the load, from their own counters: CPU (cores), messages received, local deliveries.
// Prints a summary, then one JSON line of the same figures; exits 1 if a client could not connect,
// an ack failed, a client was disconnected or a delivery was missing.
//   [TOKEN=<jwt>] [TRANSPORT=websocket|polling] [BYTES=64] [METRICS_URL=<url>[,<url>…]] [METRICS_PREFIX=socketgate_] node --import tsx bench/chat-load.ts <url> [clients=100] [roomSize=10] [rate=1] [seconds=30]
import { performance } from 'node:perf_hooks'
import { createClient, type GatewayClient } from '../src/client.js'

const USAGE = 'usage: [TOKEN=<jwt>] [TRANSPORT=websocket|polling] [BYTES=64] [METRICS_URL=<url>[,<url>…]] [METRICS_PREFIX=socketgate_] node --import tsx bench/chat-load.ts <url> [clients=100] [roomSize=10] [rate=1] [seconds=30]'

/** Exits with a message naming what was wrong and what was expected. */
function fail (message: string): never {
  process.stderr.write(`chat-load: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function positive (name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    fail(`${name} is ${JSON.stringify(raw)}; expected a positive ${integer ? 'integer' : 'number'}`)
  }
  return n
}

const [urlArg, ...rest] = process.argv.slice(2)
if (urlArg === undefined) fail('no gateway URL given')
let url: URL
try {
  url = new URL(urlArg)
} catch {
  fail(`${JSON.stringify(urlArg)} is not a URL; expected one like http://127.0.0.1:3000 (a namespace may follow: /chat)`)
}
if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${url.protocol} URL; expected http: or https:`)
const clients = positive('clients', rest[0], 100, true)
const roomSize = positive('roomSize', rest[1], 10, true)
const rate = positive('rate', rest[2], 1, false)
const seconds = positive('seconds', rest[3], 30, false)
const bytes = positive('BYTES', process.env.BYTES, 64, true)
const transport = process.env.TRANSPORT ?? 'websocket'
if (transport !== 'websocket' && transport !== 'polling') fail(`TRANSPORT is ${JSON.stringify(transport)}; expected websocket or polling`)

const metricsUrls = (process.env.METRICS_URL ?? '').split(',').filter(Boolean).map((raw) => {
  try {
    return new URL(raw)
  } catch {
    fail(`METRICS_URL has ${JSON.stringify(raw)}; expected URLs like http://127.0.0.1:3000/metrics, comma-separated`)
  }
})
const prefix = process.env.METRICS_PREFIX ?? 'socketgate_'

// Marks this run's messages, so traffic of other clients in the same rooms is not counted.
const run = Math.random().toString(36).slice(2, 10)
const MARK = `load:${run}:`
const CONNECT_TIMEOUT_MS = 10_000
const ACK_TIMEOUT_MS = 10_000
/** At most this many handshakes in flight: a thousand at once would time the server's backlog. */
const CONNECT_CONCURRENCY = 50
/** Share of one core from which the generator, not the gateway, may set the pace. */
const SATURATED = 0.9

const percentile = (sorted: number[], q: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
function summary (xs: number[]): { p50: number | null, p99: number | null, max: number | null } {
  const sorted = [...xs].sort((a, b) => a - b)
  const round = (x: number | null): number | null => x === null ? null : Number(x.toFixed(2))
  return { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? null) }
}
const bump = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1) }

/** What the gateways' counters say, summed over nodes (every namespace; the chat protocol's event). */
interface GatewayCounters { cpuSeconds: number, received: number, recipients: number }
async function gatewayCounters (): Promise<GatewayCounters> {
  const total: GatewayCounters = { cpuSeconds: 0, received: 0, recipients: 0 }
  for (const url of metricsUrls) {
    const res = await fetch(url).catch((err: Error) => fail(`METRICS_URL ${url.href}: ${err.message}; expected a gateway's /metrics`))
    if (!res.ok) fail(`METRICS_URL ${url.href} answered ${res.status}; expected a gateway's /metrics`)
    for (const line of (await res.text()).split('\n')) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1))
      if (line.startsWith('process_cpu_seconds_total ')) total.cpuSeconds += value
      else if (line.startsWith(`${prefix}events_received_total{`) && line.includes('event="message:send"')) total.received += value
      else if (line.startsWith(`${prefix}broadcast_recipients_total{`)) total.recipients += value
    }
  }
  return total
}

const connectMs: number[] = []
const ackMs: number[] = []
const deliveryMs: number[] = []
const connectErrors = new Map<string, number>()
const ackErrors = new Map<string, number>()
const disconnects = new Map<string, number>()
let sent = 0
let acked = 0
let delivered = 0
let expected = 0
let sending = false

interface Member { socket: GatewayClient, room: string }
const members: Member[] = []
const roomSizes = new Map<string, number>()

async function connect (i: number): Promise<void> {
  const room = `load-${run}-${Math.floor(i / roomSize)}`
  const started = performance.now()
  const socket = createClient(url.href, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    // Keeps a sticky load balancer's cookie (deploy/haproxy.cfg), which long-polling needs.
    withCredentials: true,
    timeout: CONNECT_TIMEOUT_MS,
    auth: process.env.TOKEN ? { token: process.env.TOKEN } : { name: `load-${i}` }
  })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('connect_error', reject)
    })
  } catch (err) {
    socket.close()
    const data = (err as { data?: { code?: string } }).data
    bump(connectErrors, data?.code ?? (err as Error).message)
    return
  }
  connectMs.push(performance.now() - started)
  socket.on('disconnect', (reason) => { if (sending) bump(disconnects, reason) })
  socket.on('message:new', (msg) => {
    if (!msg.content.startsWith(MARK)) return
    delivered++
    deliveryMs.push(performance.now() - Number(msg.content.slice(MARK.length, msg.content.indexOf(' '))))
  })
  const joined = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', room).catch((err: Error) => ({ ok: false as const, error: { code: err.message } }))
  if (!joined.ok) {
    bump(ackErrors, `room:join ${joined.error.code}`)
    socket.close()
    return
  }
  members.push({ socket, room })
  roomSizes.set(room, (roomSizes.get(room) ?? 0) + 1)
}

function send (m: Member): void {
  // A client the gateway dropped (it does not reconnect) has nothing to send through.
  if (!m.socket.connected) return
  const at = performance.now()
  const head = `${MARK}${at.toFixed(3)} `
  sent++
  // Every connected member of the room is owed this message, the sender included.
  expected += roomSizes.get(m.room)!
  m.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', { content: head.padEnd(bytes, 'x'), room: m.room }).then((res) => {
    if (!res.ok) return bump(ackErrors, `message:send ${res.error.code}`)
    acked++
    ackMs.push(performance.now() - at)
  }, () => { bump(ackErrors, 'message:send timeout') })
}

async function main (): Promise<void> {
  const t0 = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, clients) }, async () => {
    while (next < clients) await connect(next++)
  }))
  console.log(`connected ${members.length} of ${clients} in ${((performance.now() - t0) / 1000).toFixed(1)} s to ${url.href} (${transport}); ${roomSizes.size} rooms`)
  if (members.length === 0) {
    console.error(`chat-load: no client connected (${[...connectErrors].map(([k, n]) => `${k} × ${n}`).join(', ')})`)
    process.exit(1)
  }

  // Read before the first message can leave: the deltas are then this run's alone.
  const before = metricsUrls.length > 0 ? await gatewayCounters() : undefined
  // Each member sends on its own timer, started at a random point of its first period so that
  // the messages spread over the second instead of arriving in one burst.
  sending = true
  const period = 1000 / rate
  const timers: NodeJS.Timeout[] = []
  for (const m of members) {
    timers.push(setTimeout(() => {
      send(m)
      timers.push(setInterval(() => { send(m) }, period))
    }, Math.random() * period))
  }
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  for (const timer of timers) clearTimeout(timer)
  const elapsed = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuStart)
  const generatorCpu = (cpu.user + cpu.system) / 1e6 / elapsed

  // Let the last acks and deliveries arrive (or time out).
  const settle = performance.now()
  while ((acked + [...ackErrors.values()].reduce((a, b) => a + b, 0) < sent || delivered < expected) && performance.now() - settle < ACK_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  sending = false
  const after = before ? await gatewayCounters() : undefined
  const measured = (performance.now() - start) / 1000
  for (const m of members) m.socket.close()

  const result = {
    url: url.href,
    transport,
    clients,
    connected: members.length,
    rooms: roomSizes.size,
    seconds: Number(elapsed.toFixed(2)),
    connectMs: summary(connectMs),
    connectErrors: Object.fromEntries(connectErrors),
    intendedPerSecond: Math.round(members.length * rate),
    sentPerSecond: Math.round(sent / elapsed),
    generatorCpu: Number(generatorCpu.toFixed(2)),
    sent,
    acked,
    ackMs: summary(ackMs),
    ackErrors: Object.fromEntries(ackErrors),
    expectedDeliveries: expected,
    delivered,
    deliveriesPerSecond: Math.round(delivered / elapsed),
    deliveryMs: summary(deliveryMs),
    disconnects: Object.fromEntries(disconnects),
    // From sending's start to the last delivery: the gateways' counters over the same window.
    gateway: before && after
      ? {
          nodes: metricsUrls.length,
          cpuCores: Number(((after.cpuSeconds - before.cpuSeconds) / measured).toFixed(2)),
          received: after.received - before.received,
          localDeliveries: after.recipients - before.recipients
        }
      : undefined
  }
  console.log(`sent ${sent} messages (${result.sentPerSecond}/s of ${result.intendedPerSecond}/s intended), ${acked} acked: ack ms p50 ${result.ackMs.p50} p99 ${result.ackMs.p99} max ${result.ackMs.max}`)
  console.log(`delivered ${delivered} of ${expected} (${result.deliveriesPerSecond}/s): delivery ms p50 ${result.deliveryMs.p50} p99 ${result.deliveryMs.p99} max ${result.deliveryMs.max}`)
  if (result.gateway) {
    const g = result.gateway
    console.log(`gateway (${g.nodes} node${g.nodes > 1 ? 's' : ''}, its own counters): ${g.cpuCores} cores, ${g.received} messages received, ${g.localDeliveries} local deliveries`)
  }
  if (generatorCpu > SATURATED) {
    console.log(`warning: this generator used ${(generatorCpu * 100).toFixed(0)} % of a core while sending: its latencies include its own queueing; spread the clients over more generator processes or machines`)
  }
  if (connectErrors.size + ackErrors.size + disconnects.size > 0) {
    console.log(`errors: ${JSON.stringify({ connect: result.connectErrors, ack: result.ackErrors, disconnects: result.disconnects })}`)
  }
  console.log(JSON.stringify(result))
  // For scripts and CI: anything refused, lost or dropped makes the run fail.
  if (connectErrors.size + ackErrors.size + disconnects.size > 0 || delivered < expected) process.exitCode = 1
}

await main()
