// Bounded churn for the soak test and bench/soak.ts: clients that connect (both transports), join
// a room, send into it, get their own message back and disconnect, CONCURRENCY at a time; and
// the figures that must return to baseline once the churn stops.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Registry } from 'prom-client'
import type { ChatMessage } from '../../src/index.js'
import { createClient } from '../../src/client.js'
import type { Gateway } from '../../src/app.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export interface Snapshot {
  rssMb: number
  heapMb: number
  /** process.getActiveResourcesInfo(): timers, sockets, servers, … */
  resources: number
  /**
   * Series in the gateway's registry (every sample line, histogram buckets included), but for
   * nodejs_gc_duration_seconds: its `kind` (4 values) appears when V8 first runs that kind of GC.
   */
  series: number
  clients: number
  /** Rooms in the default namespace, each socket's private room included. */
  rooms: number
}

export async function snapshot (gw: Gateway): Promise<Snapshot> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const m = process.memoryUsage()
  const metrics = await (gw.app.metrics.registry as Registry).getMetricsAsJSON()
  return {
    rssMb: m.rss / 1e6,
    heapMb: m.heapUsed / 1e6,
    resources: process.getActiveResourcesInfo().length,
    series: metrics.filter((x) => x.name !== 'nodejs_gc_duration_seconds').reduce((n, x) => n + x.values.length, 0),
    clients: gw.io.engine.clientsCount,
    rooms: gw.io.of('/').adapter.rooms.size
  }
}

/** One client's life: connect, join, send, hear its own message, leave. Rejects on any failure. */
async function cycle (url: string, i: number): Promise<void> {
  const transports: Array<'polling' | 'websocket'> = i % 3 === 0 ? ['polling'] : i % 3 === 1 ? ['websocket'] : ['polling', 'websocket']
  const client = createClient(url, { transports, reconnection: false, forceNew: true, auth: { name: `soak${i % 100}` } })
  try {
    await new Promise<void>((resolve, reject) => { client.once('connect', resolve); client.once('connect_error', reject) })
    const room = `soak-${i % 20}`
    const joined = await client.timeout(5000).emitWithAck('room:join', room)
    if (!joined.ok) throw new Error(joined.error.message)
    const content = `cycle ${i}`
    const heard = new Promise<void>((resolve) => client.on('message:new', (m: ChatMessage) => { if (m.content === content) resolve() }))
    const sent = await client.timeout(5000).emitWithAck('message:send', { content, room })
    if (!sent.ok) throw new Error(sent.error.message)
    await heard
  } finally {
    client.disconnect()
  }
}

export async function churn (url: string, cycles: number, concurrency: number, from = 0): Promise<void> {
  let next = from
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < from + cycles) await cycle(url, next++)
  }))
}
