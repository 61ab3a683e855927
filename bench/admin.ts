// The admin UI's cost (issue 22): ADMIN_MODE=operator against production (and development, and
// the admin UI off) on one gateway, metrics on, from dist/.
// 1. Echo throughput, ack latency and CPU per ack, with and without an operator connected
//    ("+watched": this script holds an admin UI connection to that server for the whole run).
//    Servers on core 0, the load generator (bench/load.ts) on core 1, loaded one at a time in
//    turns of SLICE_MS, PROCESSES processes of each variant; medians over the processes.
// 2. Heap per connection at SOCKETS idle sockets (bench/sockets.ts): heap after a full GC with
//    the sockets open, less before, over SOCKETS; HEAP_PROCESSES processes of each variant.
//   [VARIANTS=…] [PROCESSES=3] [SLICE_MS=500] [SOCKETS=10000] [HEAP_PROCESSES=2] [SKIP_ECHO=1] [SKIP_HEAP=1]
//   node --import tsx bench/admin.ts [seconds=10] [connections=50] [window=4]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import bcrypt from 'bcryptjs'
import { io as ioc, type Socket } from 'socket.io-client'
import { buildGateway } from './gateway.js'
import { SERVER_FLAGS } from './server-flags.js'

const [seconds = 10, connections = 50, window = 4] = process.argv.slice(2).map(Number)
const SERVER_CORE = '0'
const LOAD_CORE = '1'
const PASSWORD = 'bench password'
const children = new Set<ChildProcess>()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => process.exit(1))

interface Output { seen: string[], ended: boolean, wake?: () => void }
const outputs = new WeakMap<ChildProcess, Output>()

function node (core: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}, ipc = false): ChildProcess {
  const flags = core === SERVER_CORE ? [...SERVER_FLAGS, '--expose-gc'] : []
  const child = spawn('taskset', ['-c', core, process.execPath, ...flags, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ipc ? ['pipe', 'pipe', 'inherit', 'ipc'] : ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env }
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const out: Output = { seen: [], ended: false }
  outputs.set(child, out)
  const rl = createInterface({ input: child.stdout! })
  rl.on('line', (l) => { out.seen.push(l); out.wake?.() })
  rl.on('close', () => { out.ended = true; out.wake?.() })
  return child
}

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

/** An operator's admin UI connection, as the UI makes it; resolves once the socket list arrived. */
async function watch (port: number, mode: string): Promise<Socket> {
  const socket = ioc(`http://127.0.0.1:${port}/admin`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { username: 'admin', password: PASSWORD } })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect_error', reject)
    // Development mode sends its list at login as operator mode does; production mode sends none.
    if (mode === 'production') socket.once('config', () => resolve())
    else socket.once('all_sockets', () => resolve())
  })
  return socket
}

const split = (variant: string): { mode: string, watched: boolean } => ({ mode: variant.replace('+watched', ''), watched: variant.endsWith('+watched') })
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`

interface Result { acksPerSecond: number, p50: number, p99: number }
interface Cpu { userUs: number, systemUs: number }

async function echo (variants: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const processes = Number(process.env.PROCESSES ?? 3)
  const names = Array.from({ length: processes }, () => variants).flat()
  console.log(`echo: ${connections} connections x ${window} in flight; ${processes} processes each of ${variants.join(', ')}, loaded in turn for ${process.env.SLICE_MS ?? 500} ms each, ${seconds} s per process`)
  const servers = names.map((v) => node(SERVER_CORE, 'admin-server.ts', [split(v).mode], env))
  const operators: Socket[] = []
  try {
    const ports = await Promise.all(servers.map(async (s) => (await line(s, 'READY ')).split(' ')[1]!))
    for (const [i, v] of names.entries()) if (split(v).watched) operators.push(await watch(Number(ports[i]), split(v).mode))
    const load = node(LOAD_CORE, 'load.ts', [ports.join(','), String(connections), String(window), String(seconds)])
    const byPort = new Map<string, Result>()
    for (const _ of names) {
      const r = JSON.parse(await line(load, '{')) as Result & { port: number }
      byPort.set(String(r.port), r)
    }
    await stop(load)
    const cpus = await Promise.all(servers.map(async (server) => {
      server.kill('SIGTERM')
      return (JSON.parse((await line(server, 'CPU ')).slice(4)) as { loaded: Cpu }).loaded
    }))
    const results: Record<string, Result & Cpu> = {}
    for (const v of variants) {
      const each = names.flatMap((n, i) => n === v ? [{ ...byPort.get(ports[i]!)!, ...cpus[i]! }] : [])
      results[v] = {
        acksPerSecond: median(each.map((r) => r.acksPerSecond)),
        p50: median(each.map((r) => r.p50)),
        p99: median(each.map((r) => r.p99)),
        userUs: median(each.map((r) => r.userUs)),
        systemUs: median(each.map((r) => r.systemUs))
      }
      console.log(`${v.padEnd(20)} median ${JSON.stringify(results[v])} (acks/s per process: ${each.map((r) => r.acksPerSecond).join(', ')})`)
    }
    const base = results.production
    if (base) {
      for (const v of variants) {
        if (v === 'production') continue
        const r = results[v]!
        const cpu = (x: Cpu): number => x.userUs + x.systemUs
        console.log(`${v} vs production: throughput ${percent(r.acksPerSecond / base.acksPerSecond - 1)}, p50 ${percent(r.p50 / base.p50 - 1)}, p99 ${percent(r.p99 / base.p99 - 1)}, CPU per ack ${percent(cpu(r) / cpu(base) - 1)}`)
      }
    }
  } finally {
    for (const o of operators) o.disconnect()
    await Promise.all(servers.map(stop))
  }
}

async function heap (variants: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const sockets = Number(process.env.SOCKETS ?? 10_000)
  const processes = Number(process.env.HEAP_PROCESSES ?? 2)
  console.log(`heap: ${sockets} idle sockets (raw WebSocket, namespace "/"), ${processes} processes of each of ${variants.join(', ')}`)
  const perConnection: Record<string, number[]> = {}
  for (let p = 0; p < processes; p++) {
    for (const variant of variants) {
      const { mode, watched } = split(variant)
      const server = node(SERVER_CORE, 'admin-server.ts', [mode], env, true)
      const ask = async (): Promise<{ heapUsed: number }> => {
        server.send('heap')
        return (await once(server, 'message'))[0] as { heapUsed: number }
      }
      let operator: Socket | undefined
      try {
        const port = (await line(server, 'READY ')).split(' ')[1]!
        if (watched) operator = await watch(Number(port), mode)
        const before = await ask()
        const clients = node(LOAD_CORE, 'sockets.ts', [port])
        clients.stdin!.write(`open ${sockets}\n`)
        await line(clients, 'OPEN ')
        // The live updates of the last connections have left (operator mode batches for 250 ms).
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const after = await ask()
        const bytes = (after.heapUsed - before.heapUsed) / sockets
        ;(perConnection[variant] ??= []).push(bytes)
        console.log(`${variant.padEnd(20)} process ${p + 1}: heap ${(before.heapUsed / 1e6).toFixed(1)} -> ${(after.heapUsed / 1e6).toFixed(1)} MB, ${Math.round(bytes)} bytes per connection`)
        clients.stdin!.write('close\n')
        await stop(clients)
      } finally {
        operator?.disconnect()
        await stop(server)
      }
    }
  }
  const base = perConnection.production ? median(perConnection.production) : undefined
  for (const [variant, values] of Object.entries(perConnection)) {
    const m = median(values)
    console.log(`${variant.padEnd(20)} median ${Math.round(m)} bytes per connection${base && variant !== 'production' ? ` (${percent(m / base - 1)} vs production)` : ''}`)
  }
}

buildGateway()
const env = { ADMIN_BENCH_HASH: await bcrypt.hash(PASSWORD, 4) }
if (process.env.SKIP_ECHO === undefined) {
  await echo((process.env.VARIANTS ?? 'production,operator,operator+watched,production+watched,development,development+watched').split(','), env)
}
if (process.env.SKIP_HEAP === undefined) {
  await heap((process.env.HEAP_VARIANTS ?? 'off,production,operator,operator+watched').split(','), env)
}
process.exit(0)
