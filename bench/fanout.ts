// Fan-out: one broadcast to every socket of the namespace, as fast as the server takes them.
// PLAIN=plain-fresh compares against plain Socket.IO just started instead (echo-server.ts).
// N raw WebSocket receivers (bench/sockets.ts, reading everything) and one sender that keeps
// WINDOW `fanout` events with an ack in flight; the server (bench/echo-server.ts with FANOUT=1)
// broadcasts each to the namespace and acks. Plain Socket.IO after an idle GC against socketgate
// with everything on (metrics, admin UI in ADMIN_MODE, operator by default; limits raised, not
// off), alternating, a fresh server per run (core 0), receivers and sender on core 1.
// Prints per run: broadcasts/s, deliveries/s (broadcasts × receivers) and the server's CPU time
// per delivery over the counted window (user + system): with the receivers sharing one core,
// deliveries/s may be the receivers' limit, CPU per delivery is the server's own cost.
//   [ROUNDS=3] [WINDOW=4] [PLAIN=plain|plain-fresh] [ADMIN_MODE=operator] node --import tsx bench/fanout.ts [receivers=2000] [seconds=10]
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { buildGateway } from './gateway.js'
import { startPinned } from './pinned.js'
import { SERVER_FLAGS } from './server-flags.js'

const [receivers = 2000, seconds = 10] = process.argv.slice(2).map(Number)
const rounds = Number(process.env.ROUNDS ?? 3)
const window = Number(process.env.WINDOW ?? 4)
const WARM_UP_MS = 3000

/** The sender: a raw Socket.IO client keeping `window` fanout events in flight until `stop()`. */
async function sender (port: number): Promise<{ stop: () => void, acked: () => number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`)
  let acked = 0
  let running = true
  let next = 0
  const payload = JSON.stringify({ content: 'x'.repeat(100) })
  const send = (): void => {
    ws.send(`42${next++}["fanout",${payload}]`)
  }
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send('40')
      else if (text.startsWith('40{')) resolve()
      else if (text === '2') ws.send('3')
      else if (text.startsWith('43')) {
        acked++
        if (running) send()
      }
    })
    ws.once('error', reject)
  })
  for (let i = 0; i < window; i++) send()
  return {
    acked: () => acked,
    stop: () => {
      running = false
      ws.terminate()
    }
  }
}

interface Run { broadcastsPerS: number, deliveriesPerS: number, usPerDelivery: number }

const plainVariant = process.env.PLAIN ?? 'plain'

async function run (variant: 'plain' | 'on'): Promise<Run> {
  const server = startPinned('0', [...SERVER_FLAGS], 'echo-server.ts', [variant === 'plain' ? plainVariant : variant], { FANOUT: '1', ...(variant === 'on' ? { ADMIN_MODE: process.env.ADMIN_MODE ?? 'operator' } : {}) })
  const port = Number(await server.line('READY'))
  const crowd = startPinned('1', [], 'sockets.ts', [String(port)])
  try {
    const opened = crowd.line('OPEN')
    crowd.child.stdin!.write(`open ${receivers}\n`)
    await opened
    await sleep(500)
    const load = await sender(port)
    await sleep(WARM_UP_MS)
    server.child.kill('SIGUSR2')
    const from = load.acked()
    const startedAt = performance.now()
    await sleep(seconds * 1000)
    const broadcasts = load.acked() - from
    const elapsed = (performance.now() - startedAt) / 1000
    const cpu = server.line('CPU')
    server.child.kill('SIGTERM')
    // The server's CPU time per broadcast it acked since SIGUSR2; each reached every receiver and the sender.
    const { usPerAck } = JSON.parse(await cpu) as { usPerAck: number }
    load.stop()
    const recipients = receivers + 1
    return { broadcastsPerS: broadcasts / elapsed, deliveriesPerS: broadcasts * recipients / elapsed, usPerDelivery: usPerAck / recipients }
  } finally {
    crowd.child.kill('SIGKILL')
    server.child.kill('SIGKILL')
    if (crowd.child.exitCode === null) await once(crowd.child, 'exit')
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

buildGateway()
const results: Record<'plain' | 'on', Run[]> = { plain: [], on: [] }
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (['plain', 'on'] as const) : (['on', 'plain'] as const)
  for (const variant of order) {
    const r = await run(variant)
    results[variant].push(r)
    process.stdout.write(`round ${round + 1} ${variant.padEnd(5)} ${r.broadcastsPerS.toFixed(1)} broadcasts/s  ${Math.round(r.deliveriesPerS)} deliveries/s  ${r.usPerDelivery.toFixed(3)} µs CPU/delivery\n`)
  }
}
const m = (v: 'plain' | 'on', k: keyof Run): number => median(results[v].map((r) => r[k]))
process.stdout.write(`\n${receivers} receivers, window ${window}, against ${plainVariant}, ${seconds} s counted, median of ${rounds} (load average ${loadavg().map((l) => l.toFixed(1)).join(', ')}):\n`)
process.stdout.write(`deliveries/s: plain ${Math.round(m('plain', 'deliveriesPerS'))}, socketgate ${Math.round(m('on', 'deliveriesPerS'))}, ratio ${(m('on', 'deliveriesPerS') / m('plain', 'deliveriesPerS')).toFixed(3)}\n`)
process.stdout.write(`server CPU per delivery: plain ${m('plain', 'usPerDelivery').toFixed(3)} µs, socketgate ${m('on', 'usPerDelivery').toFixed(3)} µs, ratio ${(m('on', 'usPerDelivery') / m('plain', 'usPerDelivery')).toFixed(3)}\n`)
process.exit(0)
