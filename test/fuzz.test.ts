// Seeded fuzzing of the gateway's wire input (test/fuzz/cases.ts) on both transports. After the
// run: the process is up, a well-behaved pair of clients connected throughout exchanged every
// message, the error counters moved, and the heap is back near where it started.
// Repeat a run: FUZZ_SEED=<seed> FUZZ_CASES=<n> npx tap test/fuzz.test.ts (longer: bench/fuzz.ts).
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import type { ChatMessage } from '../src/index.js'
import { connectClient, startGateway } from '../src/testing.js'
import { runFuzz } from './fuzz/run.js'
import { scrape, type Scrape } from './metrics/helpers.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261206)
const CASES = Number(process.env.FUZZ_CASES ?? 2000)
const MAX_BUFFER = 100_000
t.setTimeout(120_000)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapAfterGc = async (): Promise<number> => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

const total = (s: Scrape, name: string, labels: Record<string, string> = {}): number =>
  (s.get(name)?.values ?? []).filter((v) => v.metricName === undefined && Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0)

t.test(`seed ${SEED}, ${CASES} cases on both transports`, async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'], maxHttpBufferSize: MAX_BUFFER })
  const receiver = await connectClient(t, gw)
  const sender = await connectClient(t, gw, { transports: ['polling'] })
  const got: string[] = []
  receiver.on('message:new', (m: ChatMessage) => { if (m.content.startsWith('good-')) got.push(m.content) })
  let receiverDropped = 0
  receiver.on('disconnect', () => { receiverDropped++ })
  sender.on('disconnect', () => { receiverDropped++ })

  // Warm up (first connections, first series) before the heap's starting point.
  await runFuzz({ url: gw.url, seed: SEED + 1, cases: 100, hugeBytes: MAX_BUFFER - 200 })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const heapBefore = await heapAfterGc()
  const before = await scrape(gw)

  const sent: string[] = []
  const report = await runFuzz({
    url: gw.url,
    seed: SEED,
    cases: CASES,
    hugeBytes: MAX_BUFFER - 200,
    between: {
      every: 25,
      fn: async (done) => {
        const content = `good-${done}`
        const ack = await sender.timeout(5000).emitWithAck('message:send', { content })
        if (!ack.ok) throw new Error(`a good message was refused: ${ack.error.message}`)
        sent.push(content)
      }
    }
  })
  t.comment(`cases by kind: ${JSON.stringify(report.byKind)}; ${report.wsConnections} WebSocket connections, ${report.pollingSessions} polling sessions`)

  // Every good message reached the receiver, in order (a fence: one more, then compare).
  const fence = new Promise<void>((resolve) => receiver.on('message:new', (m: ChatMessage) => { if (m.content === 'good-fence') resolve() }))
  await sender.timeout(5000).emitWithAck('message:send', { content: 'good-fence' })
  await fence
  t.same(got.filter((c) => c !== 'good-fence'), sent, `all ${sent.length} good messages arrived, in order`)
  t.equal(receiverDropped, 0, 'the well-behaved clients were never disconnected')

  const health = await fetch(gw.url + '/healthz')
  t.equal(health.status, 200, 'the process is up and serving')
  const late = await connectClient(t, gw)
  t.ok(late.connected, 'and accepts new clients')

  const after = await scrape(gw)
  const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels)
  t.ok(moved('socketgate_socket_disconnects_total', { reason: 'parse error' }) > 0, `parse errors disconnected their senders (${moved('socketgate_socket_disconnects_total', { reason: 'parse error' })})`)
  t.ok(moved('socketgate_events_refused_total') > 0, `bad payloads refused (${moved('socketgate_events_refused_total')})`)
  t.ok(moved('socketgate_socket_connect_errors_total') > 0, `unknown namespaces refused (${moved('socketgate_socket_connect_errors_total')})`)

  // The attackers are gone; what they made must be too.
  receiver.off('message:new')
  got.length = 0
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const heapAfter = await heapAfterGc()
  const grownMb = (heapAfter - heapBefore) / 1e6
  t.comment(`heap after GC: ${(heapBefore / 1e6).toFixed(1)} MB before, ${(heapAfter / 1e6).toFixed(1)} MB after (${grownMb.toFixed(1)} MB)`)
  t.ok(grownMb < 10, `the heap is back near its start (+${grownMb.toFixed(1)} MB, under 10 MB)`)
  t.equal(gw.io.engine.clientsCount, 3, 'only the three well-behaved connections remain')
})
