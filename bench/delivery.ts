// The delivery measurement (issue 18, "Done when"): 300 socket.io-client clients (default
// reconnection, asking for recovery) in one room; a numbered message published every 200 ms for
// 30 s; each client's connection cut every ~10 s (± 50 %) through the delivery scenario's proxy,
// clean and half-open; servers with PING_INTERVAL_MS=5000 and PING_TIMEOUT_MS=5000. Runs
// socketgate (default configuration) and plain Socket.IO 4.8 with recovery (the anchor) in the
// same run, alternating, each in its own process. Prints one row per run for bench/RESULTS.md.
//   node --import tsx bench/delivery.ts [clients] [seconds] [cut-every-s]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { parseLoadtestArgs } from '../src/cli/loadtest.js'
import { runLoadtest, type LoadtestReport } from '../src/loadtest/run.js'
import type { DeliveryReport } from '../src/loadtest/scenarios/delivery.js'
import { DELIVERY_COLUMNS, deliveryCells, markdownRow } from './delivery-row.js'
import { buildGateway } from './gateway.js'

const [clients = '300', seconds = '30', cutEvery = '10'] = process.argv.slice(2)
const KEY = 'delivery-bench-key-0123456789'

async function server (kind: 'socketgate' | 'plain'): Promise<{ url: string, child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('delivery-server.ts', import.meta.url).pathname], {
    env: { ...process.env, KIND: kind, PUBLISH_API_KEY: KEY, PING_INTERVAL_MS: '5000', PING_TIMEOUT_MS: '5000' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const lines = createInterface({ input: child.stdout! })
  for await (const line of lines) {
    const port = /^listening (\d+)$/.exec(line)?.[1]
    if (port !== undefined) return { url: `http://127.0.0.1:${port}`, child }
  }
  throw new Error(`${kind} server exited before listening`)
}

function row (kind: string, cut: string, r: LoadtestReport<DeliveryReport>): string {
  return markdownRow([kind, cut, ...deliveryCells(r)])
}

buildGateway()
const rows: string[] = []
for (const cut of ['clean', 'half-open'] as const) {
  for (const kind of ['socketgate', 'plain'] as const) {
    const { url, child } = await server(kind)
    const args = parseLoadtestArgs([url, '--scenario', 'delivery', '--api-key', KEY, '--clients', clients, '--duration', seconds,
      '--cut-every', cutEvery, '--cut', cut, '--publish-rate', '5'])
    if (args === 'help') throw new Error('help')
    const report = await runLoadtest({ scenario: args.scenario, target: args.target, options: args.options }) as LoadtestReport<DeliveryReport>
    child.kill('SIGTERM')
    await once(child, 'exit')
    const line = row(kind, cut, report)
    rows.push(line)
    process.stderr.write(line + '\n')
  }
}
process.stdout.write([
  `${new Date().toISOString()}: node --import tsx bench/delivery.ts ${clients} ${seconds} ${cutEvery}`,
  `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (2 cores)`,
  markdownRow(['server', 'cut', ...DELIVERY_COLUMNS]),
  markdownRow(['server', 'cut', ...DELIVERY_COLUMNS].map(() => '---')),
  ...rows
].join('\n') + '\n')
