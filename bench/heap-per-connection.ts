// Heap per idle connection: socketgate with its defaults (metrics and admin UI on) against plain
// Socket.IO 4.8 on node:http with the same handler. Each run starts a fresh server (core 0),
// measures heapUsed after two full GCs, connects N idle raw WebSocket clients to "/" (core 1,
// bench/sockets.ts), waits, measures again: KB per connection = growth / N. Variants alternate,
// the first of each round alternating too; prints every run, then medians and their ratio.
// SNAPSHOT=<dir> also writes heap snapshots of each server before and after its clients connect
// (<variant>-<round>-0 and -<connections>; bench/heap-diff.ts compares them). SEND=<event>: each
// client sends that event once after connecting (bench/sockets.ts), for sockets that have talked.
//   [ROUNDS=3] [SNAPSHOT=/tmp/heap] [SEND=room:join] node --import tsx bench/heap-per-connection.ts [connections=5000]
import { setTimeout as sleep } from 'node:timers/promises'
import { buildGateway } from './gateway.js'
import { startPinned, type Pinned } from './pinned.js'
import { SERVER_FLAGS } from './server-flags.js'

const connections = Number(process.argv[2] ?? 5000)
const rounds = Number(process.env.ROUNDS ?? 3)
const snapshotDir = process.env.SNAPSHOT

async function stop (p: Pinned): Promise<void> {
  if (p.child.exitCode !== null) return
  const exited = new Promise((resolve) => p.child.once('exit', resolve))
  p.child.kill('SIGKILL')
  await exited
}

async function heap (server: Pinned): Promise<{ heap: number, rss: number }> {
  const reply = server.line('HEAP')
  server.child.stdin!.write('heap\n')
  const [h, r] = (await reply).split(' ').map(Number)
  return { heap: h!, rss: r! }
}

async function snapshot (server: Pinned, file: string): Promise<void> {
  const written = server.line('SNAPSHOT')
  server.child.stdin!.write(`snapshot ${file}\n`)
  await written
}

async function run (variant: 'plain' | 'gateway', round: number): Promise<{ heapKb: number, rssKb: number }> {
  const server = startPinned('0', [...SERVER_FLAGS, '--expose-gc'], 'heap-server.ts', [variant])
  const clients = startPinned('1', [], 'sockets.ts', [await server.line('READY')])
  try {
    await sleep(500)
    const before = await heap(server)
    if (snapshotDir) await snapshot(server, `${snapshotDir}/${variant}-${round}-0.heapsnapshot`)
    const opened = clients.line('OPEN')
    clients.child.stdin!.write(`open ${connections}\n`)
    await opened
    // Every handshake finished and its first heartbeat (25 s) not yet due: idle.
    await sleep(2000)
    const after = await heap(server)
    if (snapshotDir) await snapshot(server, `${snapshotDir}/${variant}-${round}-${connections}.heapsnapshot`)
    return { heapKb: (after.heap - before.heap) / connections / 1024, rssKb: (after.rss - before.rss) / connections / 1024 }
  } finally {
    await stop(clients)
    await stop(server)
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

buildGateway()
const results: Record<'plain' | 'gateway', Array<{ heapKb: number, rssKb: number }>> = { plain: [], gateway: [] }
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (['plain', 'gateway'] as const) : (['gateway', 'plain'] as const)
  for (const variant of order) {
    const r = await run(variant, round)
    results[variant].push(r)
    process.stdout.write(`round ${round + 1} ${variant.padEnd(7)} heap ${r.heapKb.toFixed(2)} KB/conn  rss ${r.rssKb.toFixed(2)} KB/conn\n`)
  }
}
const plain = median(results.plain.map((r) => r.heapKb))
const gateway = median(results.gateway.map((r) => r.heapKb))
const plainRss = median(results.plain.map((r) => r.rssKb))
const gatewayRss = median(results.gateway.map((r) => r.rssKb))
process.stdout.write(`\n${connections} idle WebSocket connections${process.env.SEND ? `, each having sent "${process.env.SEND}" once` : ''}, median of ${rounds}:\n`)
process.stdout.write(`heap: plain Socket.IO ${plain.toFixed(2)} KB/conn, socketgate ${gateway.toFixed(2)} KB/conn, ratio ${(gateway / plain).toFixed(3)}\n`)
process.stdout.write(`rss:  plain Socket.IO ${plainRss.toFixed(2)} KB/conn, socketgate ${gatewayRss.toFixed(2)} KB/conn, ratio ${(gatewayRss / plainRss).toFixed(3)}\n`)
process.exit(0)
