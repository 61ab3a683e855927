// The metrics benchmark, in one go: echo throughput, ack latency and CPU time per ack (user and
// system, counted only while loaded) of plain Socket.IO (just started, and after an idle full
// GC: see echo-server.ts), socketgate with metrics off and with metrics on (servers pinned to
// core 0, load generator to core 1, one server loaded at a time in turns, several processes of
// each), then the /metrics render time with 0, 1 000 and 10 000 connected sockets. VARIANTS may
// add `untimed`: metrics on with METRICS_HANDLER_TIMING=false.
//   [VARIANTS=plain-fresh,plain,off,on] [PROCESSES=3] [SLICE_MS=500] [CLIENT=raw|socket.io] [SKIP_SCRAPE=1] node --import tsx bench/run.ts [seconds=10] [connections=50] [window=4]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { buildGateway } from './gateway.js'
import { SERVER_FLAGS } from './server-flags.js'

const [seconds = 10, connections = 50, window = 4] = process.argv.slice(2).map(Number)
const SERVER_CORE = '0'
const LOAD_CORE = '1'
const children = new Set<ChildProcess>()
const node = (core: string, script: string, args: string[], ipc = false): ChildProcess => {
  const flags = core === SERVER_CORE ? SERVER_FLAGS : []
  const child = spawn('taskset', ['-c', core, process.execPath, ...flags, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ipc ? ['pipe', 'pipe', 'inherit', 'ipc'] : ['pipe', 'pipe', 'inherit']
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  listen(child)
  return child
}
// Whatever ends this script (an error, Ctrl-C, a closed pipe) ends the servers and clients too.
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => process.exit(1))

// Every line a child prints, kept from its start so that none is missed between two reads.
interface Output { seen: string[], ended: boolean, wake?: () => void }
const outputs = new WeakMap<ChildProcess, Output>()
function listen (child: ChildProcess): void {
  const out: Output = { seen: [], ended: false }
  outputs.set(child, out)
  const rl = createInterface({ input: child.stdout! })
  rl.on('line', (l) => { out.seen.push(l); out.wake?.() })
  rl.on('close', () => { out.ended = true; out.wake?.() })
}

/** The next line `child` prints that starts with `prefix`. */
async function line (child: ChildProcess, prefix: string): Promise<string> {
  const out = outputs.get(child)!
  for (;;) {
    const i = out.seen.findIndex((l) => l.startsWith(prefix))
    if (i >= 0) return out.seen.splice(0, i + 1).pop()!
    if (out.ended) throw new Error(`child exited before printing ${prefix}`)
    await new Promise<void>((resolve) => { out.wake = resolve })
  }
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGKILL')
  await once(child, 'exit')
}

interface Result { acksPerSecond: number, p50: number, p99: number, acks: number }
/** A server's CPU time per ack (µs) while it was loaded, from its own samples (echo-server.ts). */
interface Cpu { userUs: number, systemUs: number }

/**
 * Every server at once (all on core 0), loaded one at a time by one generator (core 1) that
 * switches server every SLICE_MS: each sees the machine as the others do, a few hundred
 * milliseconds apart. Returns each server's result, in the order of `servers` (variant names).
 */
async function echo (variants: string[]): Promise<Array<Result & { cpu: Cpu }>> {
  const servers = variants.map((v) => node(SERVER_CORE, 'echo-server.ts', [v]))
  try {
    const ports = await Promise.all(servers.map(async (s) => (await line(s, 'READY ')).split(' ')[1]!))
    const load = node(LOAD_CORE, 'load.ts', [ports.join(','), String(connections), String(window), String(seconds)])
    const byPort = new Map<string, Result>()
    for (const _ of variants) {
      const r = JSON.parse(await line(load, '{')) as Result & { port: number }
      byPort.set(String(r.port), r)
    }
    await stop(load)
    const cpus = await Promise.all(servers.map(async (server) => {
      server.kill('SIGTERM')
      return (JSON.parse((await line(server, 'CPU ')).slice(4)) as { loaded: Cpu }).loaded
    }))
    return ports.map((port, i) => ({ ...byPort.get(port)!, cpu: cpus[i]! }))
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

const variants = (process.env.VARIANTS ?? 'plain-fresh,plain,off,on').split(',')
// Two processes of one build differ by up to ±10 % here (how V8 and the kernel settle in each),
// so each variant runs in several, and its figures are the median over them.
const processes = Number(process.env.PROCESSES ?? 3)
const slice = Number(process.env.SLICE_MS ?? 500)
console.log(`echo: ${connections} connections x ${window} in flight; ${processes} processes each of ${variants.join(', ')}, loaded in turn for ${slice} ms each, ${seconds} s per process; servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}`)
buildGateway()
const names = Array.from({ length: processes }, () => variants).flat()
const all = await echo(names)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const results: Record<string, Omit<Result, 'acks'> & Cpu> = {}
for (const v of variants) {
  const each = all.filter((_, i) => names[i] === v)
  results[v] = {
    acksPerSecond: median(each.map((r) => r.acksPerSecond)),
    p50: median(each.map((r) => r.p50)),
    p99: median(each.map((r) => r.p99)),
    userUs: median(each.map((r) => r.cpu.userUs)),
    systemUs: median(each.map((r) => r.cpu.systemUs))
  }
  console.log(`${v.padEnd(11)} median ${JSON.stringify(results[v])} (acks/s per process: ${each.map((r) => r.acksPerSecond).join(', ')}; CPU µs per ack, user + system: ${each.map((r) => `${r.cpu.userUs} + ${r.cpu.systemUs}`).join(', ')})`)
}
// CPU time per ack counts only while a server was loaded (echo-server.ts): its user and
// system parts apart, since on loopback the system part also depends on the load generator
// (whether a write has to wake it).
const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
for (const [a, b, what] of [
  ['on', 'off', 'metrics on vs off'], ['untimed', 'off', 'metrics on without handler timing vs off'], ['off', 'plain', 'socketgate off vs plain socket.io'], ['on', 'plain', 'socketgate on vs plain socket.io'],
  ['plain', 'plain-fresh', 'plain socket.io after an idle full GC vs just started']
] as const) {
  const ra = results[a]
  const rb = results[b]
  if (!ra || !rb) continue
  const cpu = (r: Cpu): number => r.userUs + r.systemUs
  console.log(`${what}: throughput ${percent(ra.acksPerSecond / rb.acksPerSecond - 1)}, p50 ${percent(ra.p50 / rb.p50 - 1)}, p99 ${percent(ra.p99 / rb.p99 - 1)}; ` +
    `CPU per ack ${percent(cpu(ra) / cpu(rb) - 1)} (user ${percent(ra.userUs / rb.userUs - 1)}, system ${percent(ra.systemUs / rb.systemUs - 1)})`)
}
if (process.env.SKIP_SCRAPE === undefined) await scrape()
