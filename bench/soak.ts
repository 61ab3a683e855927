// The long soak: the churn of test/soak.test.ts (connect, join, send, hear it, disconnect; both
// transports) for as long as asked, against a gateway in this process, printing a row of figures
// after every round and the baseline, so growth shows as a trend.
//   node --import tsx bench/soak.ts [--rounds 20] [--cycles 2000] [--concurrency 20]
import { parseArgs } from 'node:util'
import { createGateway } from '../src/app.js'
import { churn, snapshot, type Snapshot } from '../test/soak/churn.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, cycles: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '20' } } })
const ROUNDS = Number(values.rounds)
const CYCLES = Number(values.cycles)
const CONCURRENCY = Number(values.concurrency)

const gw = await createGateway({ logLevel: 'silent', demoPage: false, adminUi: false, ipHandshakeRate: 100_000, ipHandshakeBurst: 1_000_000 })
await gw.listen({ port: 0, host: '127.0.0.1' })
const url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`

const row = (label: string, s: Snapshot, seconds: number): string =>
  `| ${label} | ${seconds.toFixed(0)} | ${s.rssMb.toFixed(1)} | ${s.heapMb.toFixed(1)} | ${s.resources} | ${s.series} | ${s.clients} | ${s.rooms} |`
console.log(`soak: ${ROUNDS} rounds of ${CYCLES} client lives, ${CONCURRENCY} at a time`)
console.log('| after | s | RSS MB | heap MB (after GC) | active resources | metric series | clients | rooms |')
console.log('|---|---|---|---|---|---|---|---|')
const started = performance.now()
await churn(url, 200, CONCURRENCY)
await new Promise((resolve) => setTimeout(resolve, 1000))
const base = await snapshot(gw)
console.log(row('warm-up (baseline)', base, (performance.now() - started) / 1000))
let last = base
for (let r = 1; r <= ROUNDS; r++) {
  await churn(url, CYCLES, CONCURRENCY, 200 + (r - 1) * CYCLES)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  last = await snapshot(gw)
  console.log(row(`round ${r} (${r * CYCLES} lives)`, last, (performance.now() - started) / 1000))
}
console.log(`\nend - baseline: RSS ${(last.rssMb - base.rssMb).toFixed(1)} MB, heap ${(last.heapMb - base.heapMb).toFixed(1)} MB, resources ${last.resources - base.resources}, series ${last.series - base.series}, clients ${last.clients - base.clients}, rooms ${last.rooms - base.rooms}`)
await gw.close()
process.exit(0)
