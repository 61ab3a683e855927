// The long fuzz run: test/fuzz/cases.ts against a gateway in this process, as many cases as asked,
// with the same checks as test/fuzz.test.ts printed as a table (good messages, counters, heap).
//   node --expose-gc --import tsx bench/fuzz.ts [--cases 50000] [--seed 20261206]
import { parseArgs } from 'node:util'
import type { ChatMessage } from '../src/index.js'
import { createClient } from '../src/client.js'
import { createGateway } from '../src/app.js'
import { runFuzz } from '../test/fuzz/run.js'

const { values } = parseArgs({ options: { cases: { type: 'string', default: '50000' }, seed: { type: 'string', default: '20261206' } } })
const CASES = Number(values.cases)
const SEED = Number(values.seed)
const MAX_BUFFER = 100_000
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed }
const gw = await createGateway({ logLevel: 'silent', demoPage: false, adminUi: false, namespaces: ['/chat'], maxHttpBufferSize: MAX_BUFFER })
await gw.listen({ port: 0, host: '127.0.0.1' })
const url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
const connect = async (transports: Array<'polling' | 'websocket'>) => {
  const c = createClient(url, { transports, reconnection: false, forceNew: true })
  await new Promise<void>((resolve, reject) => { c.once('connect', resolve); c.once('connect_error', reject) })
  return c
}
const receiver = await connect(['websocket'])
const sender = await connect(['polling'])
let got = 0
let dropped = 0
receiver.on('message:new', (m: ChatMessage) => { if (m.content.startsWith('good-')) got++ })
for (const c of [receiver, sender]) c.on('disconnect', () => { dropped++ })
const counter = async (name: string): Promise<number> => {
  const m = (await gw.app.metrics.registry!.getMetricsAsJSON()).find((x) => x.name === name)
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0)
}

const heapStart = heap()
const started = performance.now()
let sent = 0
const report = await runFuzz({
  url,
  seed: SEED,
  cases: CASES,
  hugeBytes: MAX_BUFFER - 200,
  between: {
    every: 25,
    fn: async (done) => {
      const ack = await sender.timeout(5000).emitWithAck('message:send', { content: `good-${done}` })
      if (!ack.ok) throw new Error(ack.error.message)
      sent++
      if (done % 5000 === 0) console.log(`${done} cases, ${((performance.now() - started) / 1000).toFixed(0)} s, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`)
    }
  }
})
await new Promise((resolve) => setTimeout(resolve, 1000))
const heapEnd = heap()
console.log(`\nseed ${SEED}, ${CASES} cases in ${((performance.now() - started) / 1000).toFixed(0)} s; ${report.wsConnections} WebSocket connections, ${report.pollingSessions} polling sessions`)
console.log('| check | value |\n|---|---|')
console.log(`| good messages sent / received | ${sent} / ${got} |`)
console.log(`| well-behaved clients disconnected | ${dropped} |`)
console.log(`| disconnects (all reasons) | ${await counter('socketgate_socket_disconnects_total')} |`)
console.log(`| events refused | ${await counter('socketgate_events_refused_total')} |`)
console.log(`| namespace connections refused | ${await counter('socketgate_socket_connect_errors_total')} |`)
console.log(`| engine.io connections open at the end | ${gw.io.engine.clientsCount} |`)
console.log(`| heap after GC, start → end | ${(heapStart / 1e6).toFixed(1)} → ${(heapEnd / 1e6).toFixed(1)} MB |`)
console.log(`| cases by kind | ${JSON.stringify(report.byKind)} |`)
receiver.disconnect()
sender.disconnect()
await gw.close()
process.exit(sent === got && dropped === 0 ? 0 : 1)
