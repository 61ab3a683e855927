// CPU instructions per echo, counted by valgrind (callgrind) in each server's own code and
// libraries, for plain Socket.IO and socketgate with metrics off and on. A count does not depend
// on what else the machine runs, where throughput here swings by ±20 % between runs: it resolves
// differences of about 1 % (processes of one variant agreed within 0.5 % once every server ran
// with one hash seed, bench/server-flags.ts; 0.5-3 % before). It leaves out the kernel's share
// (system calls, ~35 % of an echo's CPU time here), so it overstates a relative cost by about
// that much; and it counts instructions, not what they cost: the same
// +2.1 % of metrics came with -6.3 % throughput from dist/ and -10.6 % from src/ through tsx
// (bench/gateway.ts, bench/RESULTS.md). Much of the difference is cache misses: an echo's code
// does not fit in L1i, and metrics add proportionally more misses than instructions, which
// VALGRIND_ARGS="--cache-sim=yes --branch-sim=yes" counts (simulated; bench/RESULTS.md).
//
// Each variant runs in PROCESSES processes, one of each variant at a time (servers on core 0,
// their load generators on core 1); each server is warmed up, then counted while it answers.
// Medians, not means: a process now and then runs a few per cent apart from its siblings. (The
// 20-26 % slower processes seen before 2026-11-27 were process.nextTick's literal turned
// megamorphic by an idle full GC: see src/tick-shapes.ts; echo-server.ts now gives every server
// but plain-fresh that GC before it is loaded.)
// CALLGRIND_DIR=<dir> keeps the callgrind files there, with each process's ack count and the map
// of its JIT code: bench/functions.ts then says per function where the instructions of an echo go.
// VALGRIND_ARGS adds callgrind options, e.g. "--cache-sim=yes --branch-sim=yes" to count
// simulated cache misses and mispredicted branches too (bench/functions.ts EVENT=…).
//   [PROCESSES=3] [VARIANTS=plain,off,on] [CALLGRIND_DIR=<dir>] [VALGRIND_ARGS=…] node --import tsx bench/instructions.ts [warm-up s=40] [counted s=40]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildGateway } from './gateway.js'
import { SERVER_FLAGS } from './server-flags.js'

const [warmUp = 40, counted = 40] = process.argv.slice(2).map(Number)
const processes = Number(process.env.PROCESSES ?? 3)
const variants = (process.env.VARIANTS ?? 'plain,off,on').split(',')
const keep = process.env.CALLGRIND_DIR
const valgrindArgs = (process.env.VALGRIND_ARGS ?? '').split(' ').filter(Boolean)
if (keep) mkdirSync(keep, { recursive: true })
const dir = keep ?? mkdtempSync(join(tmpdir(), 'socketgate-instructions-'))
const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
  if (!keep) rmSync(dir, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1))

function start (core: string, command: string[]): { child: ChildProcess, line: (prefix: string) => Promise<string> } {
  const child = spawn('taskset', ['-c', core, ...command], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const seen: string[] = []
  let wake = (): void => {}
  let ended = false
  const rl = createInterface({ input: child.stdout! })
  rl.on('line', (l) => { seen.push(l); wake() })
  rl.on('close', () => { ended = true; wake() })
  const line = async (prefix: string): Promise<string> => {
    for (;;) {
      const found = seen.find((l) => l.startsWith(prefix))
      if (found) return found
      if (ended) throw new Error(`${command.join(' ')} exited before printing ${prefix}`)
      await new Promise<void>((resolve) => { wake = resolve })
    }
  }
  return { child, line }
}

const script = (name: string): string => new URL(name, import.meta.url).pathname

async function callgrind (command: string[]): Promise<void> {
  const child = spawn('callgrind_control', command, { stdio: 'ignore' })
  await once(child, 'exit')
}

/** Instructions per ack of one server process. */
async function measure (variant: string, n: number): Promise<number> {
  const out = join(dir, `${variant}-${n}`)
  // Kept files get the server's map of its JIT code (/tmp/perf-<pid>.map), and V8's log, which
  // that flag turns on, goes there too rather than into the working directory.
  const names = keep ? ['--perf-basic-prof', `--logfile=${out}.v8.log`, '--no-logfile-per-isolate'] : []
  const server = start('0', ['valgrind', '--tool=callgrind', ...valgrindArgs, '--instr-atstart=no', `--callgrind-out-file=${out}.cg`,
    process.execPath, ...SERVER_FLAGS, ...names, '--import', 'tsx', script('echo-server.ts'), variant])
  const port = (await server.line('READY ')).split(' ')[1]!
  const load = start('1', [process.execPath, '--import', 'tsx', script('load.ts'), port, '50', '4', String(warmUp + counted + 60)])
  await sleep(warmUp * 1000)
  const pid = String(server.child.pid)
  server.child.kill('SIGUSR2') // the server counts acks from here
  await callgrind(['--instr=on', pid])
  await sleep(counted * 1000)
  load.child.kill('SIGKILL')
  await sleep(1000)
  await callgrind(['--instr=off', pid])
  await callgrind(['--dump', pid])
  server.child.kill('SIGTERM')
  const { acks } = JSON.parse((await server.line('CPU ')).slice(4)) as { acks: number }
  await once(server.child, 'exit')
  if (keep) {
    // For bench/functions.ts.
    writeFileSync(`${out}.acks`, String(acks))
    if (existsSync(`/tmp/perf-${pid}.map`)) copyFileSync(`/tmp/perf-${pid}.map`, `${out}.map`)
  }
  let instructions = 0
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${variant}-${n}.cg`))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/^totals: (\d+)/gm)) instructions += Number(m[1])
  }
  return instructions / acks
}

console.log(`instructions per echo (callgrind), ${processes} processes per variant, ${warmUp} s warm-up, ${counted} s counted`)
// One process per variant at a time: more servers under valgrind at once would each get too
// little of core 0 to finish warming up.
buildGateway()
const all: Array<{ v: string, perAck: number }> = []
for (let n = 0; n < processes; n++) {
  all.push(...await Promise.all(variants.map(async (v) => ({ v, perAck: await measure(v, n) }))))
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const medians: Record<string, number> = {}
for (const v of variants) {
  const each = all.filter((r) => r.v === v).map((r) => r.perAck)
  medians[v] = median(each)
  console.log(`${v.padEnd(6)} median ${Math.round(medians[v]!)} per ack (processes: ${each.map(Math.round).join(', ')})`)
}
const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
for (const [a, b, what] of [['on', 'off', 'metrics on vs off'], ['untimed', 'off', 'metrics on without handler timing vs off'], ['off', 'plain', 'socketgate off vs plain socket.io'], ['on', 'plain', 'socketgate on vs plain socket.io']] as const) {
  if (medians[a] !== undefined && medians[b] !== undefined) console.log(`${what}: ${percent(medians[a]! / medians[b]! - 1)} instructions per ack`)
}
