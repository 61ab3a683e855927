// The metrics benchmark, in one go: echo throughput and ack latency of plain Socket.IO,
// socketgate with metrics off and with metrics on (server pinned to core 0, load generator to
// core 1), then the /metrics render time with 0, 1 000 and 10 000 connected sockets.
//   [ROUNDS=3] [SIDE_BY_SIDE=1] [SKIP_SCRAPE=1] node --import tsx bench/run.ts [seconds=10] [connections=50] [window=4]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

const [seconds = 10, connections = 50, window = 4] = process.argv.slice(2).map(Number)
const SERVER_CORE = '0'
const LOAD_CORE = '1'
const children = new Set<ChildProcess>()
const node = (core: string, script: string, args: string[], ipc = false): ChildProcess => {
  const child = spawn('taskset', ['-c', core, process.execPath, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ipc ? ['pipe', 'pipe', 'inherit', 'ipc'] : ['pipe', 'pipe', 'inherit']
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}
// Whatever ends this script (an error, Ctrl-C, a closed pipe) ends the servers and clients too.
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => process.exit(1))

async function line (child: ChildProcess, prefix: string): Promise<string> {
  for await (const l of createInterface({ input: child.stdout! })) if (l.startsWith(prefix)) return l
  throw new Error(`child exited before printing ${prefix}`)
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGKILL')
  await once(child, 'exit')
}

interface Result { acksPerSecond: number, p50: number, p99: number, usPerAck?: number }

async function echo (variant: string): Promise<Result> {
  const server = node(SERVER_CORE, 'echo-server.ts', [variant])
  try {
    const port = (await line(server, 'READY ')).split(' ')[1]!
    const load = node(LOAD_CORE, 'load.ts', [port, String(connections), String(window), String(seconds)])
    await line(load, 'MEASURE')
    server.kill('SIGUSR2')
    const result = JSON.parse(await line(load, '{')) as Result
    await stop(load)
    server.kill('SIGTERM')
    const cpu = JSON.parse((await line(server, 'CPU ')).slice(4)) as { usPerAck: number }
    return { ...result, usPerAck: cpu.usPerAck }
  } finally {
    await stop(server)
  }
}

/**
 * All variants at once: their servers share core 0, their load generators core 1, so whatever
 * else runs on the machine slows all of them alike. Sequential runs on a busy machine differ by
 * ±25 % from one to the next; side by side, the comparison of CPU per ack stays fair.
 */
async function together (variants: string[]): Promise<Record<string, Result>> {
  const servers = variants.map((v) => node(SERVER_CORE, 'echo-server.ts', [v]))
  try {
    const ports = await Promise.all(servers.map(async (s) => (await line(s, 'READY ')).split(' ')[1]!))
    const loads = ports.map((port) => node(LOAD_CORE, 'load.ts', [port, String(connections), String(window), String(seconds)]))
    const results = await Promise.all(loads.map(async (load, i) => {
      await line(load, 'MEASURE')
      servers[i]!.kill('SIGUSR2')
      const result = JSON.parse(await line(load, '{')) as Result
      return result
    }))
    await Promise.all(loads.map(stop))
    return Object.fromEntries(await Promise.all(variants.map(async (v, i) => {
      servers[i]!.kill('SIGTERM')
      const cpu = JSON.parse((await line(servers[i]!, 'CPU ')).slice(4)) as { usPerAck: number }
      return [v, { ...results[i]!, usPerAck: cpu.usPerAck }] as const
    })))
  } finally {
    await Promise.all(servers.map(stop))
  }
}

async function scrape (): Promise<void> {
  const server = node(SERVER_CORE, 'scrape-server.ts', [], true)
  const ask = async (): Promise<Record<string, unknown>> => {
    server.send('measure')
    return (await once(server, 'message'))[0] as Record<string, unknown>
  }
  try {
    const { ready } = (await once(server, 'message'))[0] as { ready: number }
    const clients = node(LOAD_CORE, 'sockets.ts', [String(ready)])
    try {
      for (const n of [0, 1000, 10_000]) {
        if (n > 0) {
          clients.stdin!.write(`open ${n}\n`)
          await line(clients, 'OPEN ')
        }
        console.log(`scrape at ${n} sockets: ${JSON.stringify(await ask())}`)
      }
    } finally {
      clients.stdin!.write('close\n')
      await stop(clients)
    }
  } finally {
    await stop(server)
  }
}

console.log(`${process.env.SIDE_BY_SIDE !== undefined ? 'side by side' : 'one after the other'}, echo: ${connections} connections x ${window} in flight, ${seconds} s per variant, server on core ${SERVER_CORE}, load on core ${LOAD_CORE}`)
// Variants alternate, round after round, so that a burst of load from elsewhere on the machine
// hits all of them; each figure is the median of its rounds.
const rounds = Number(process.env.ROUNDS ?? 1)
const runs: Record<string, Result[]> = { plain: [], off: [], on: [] }
const sideBySide = process.env.SIDE_BY_SIDE !== undefined
for (let round = 1; round <= rounds; round++) {
  const round_ = sideBySide ? await together(['plain', 'off', 'on']) : undefined
  for (const variant of ['plain', 'off', 'on']) {
    const result = round_?.[variant] ?? await echo(variant)
    runs[variant]!.push(result)
    console.log(`round ${round} ${variant.padEnd(6)} ${JSON.stringify(result)}`)
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const results: Record<string, Result> = {}
for (const [variant, rs] of Object.entries(runs)) {
  results[variant] = {
    acksPerSecond: median(rs.map((r) => r.acksPerSecond)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    usPerAck: median(rs.map((r) => r.usPerAck!))
  }
  console.log(`median ${variant.padEnd(6)} ${JSON.stringify(results[variant])}`)
}
// Ratios are taken per round (variants of one round ran under the same conditions), then the
// median over rounds.
const ratio = (a: string, b: string, key: keyof Result) => {
  const per = runs[a]!.map((r, i) => (r[key]! / runs[b]![i]![key]! - 1) * 100)
  return `${median(per).toFixed(1)} % (rounds: ${per.map((x) => x.toFixed(1)).join(', ')})`
}
console.log(`metrics on vs off: throughput ${ratio('on', 'off', 'acksPerSecond')}, p50 ${ratio('on', 'off', 'p50')}, p99 ${ratio('on', 'off', 'p99')}, server CPU per ack ${ratio('on', 'off', 'usPerAck')}`)
console.log(`socketgate off vs plain socket.io: throughput ${ratio('off', 'plain', 'acksPerSecond')}, p99 ${ratio('off', 'plain', 'p99')}, server CPU per ack ${ratio('off', 'plain', 'usPerAck')}`)
console.log(`socketgate on vs plain socket.io: throughput ${ratio('on', 'plain', 'acksPerSecond')}, p99 ${ratio('on', 'plain', 'p99')}, server CPU per ack ${ratio('on', 'plain', 'usPerAck')}`)
if (process.env.SKIP_SCRAPE === undefined) await scrape()
