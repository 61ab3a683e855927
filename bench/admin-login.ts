// An admin-login flood against one gateway (issue 17, "admin login"): what it costs the gateway and
// its other clients. The gateway (bench/admin-server.ts, operator mode, TRUST_PROXY=true, password
// hashed at cost COST) runs on core 0; the attackers, a neighbour and an operator run here, on core 1.
// 1. Response time of a wrong user name against a wrong password (each attempt from a fresh
//    address, so none is throttled): equal means no user-name oracle.
// 2. For each scenario, for SECONDS: idle (no attack), one attacker trying one password after the
//    other (the issue's measurement), ATTACKERS concurrent attackers from one address, and the
//    same from a new address at every attempt (X-Forwarded-For; what a botnet
//    or a client trusted to set the header can do). Measured: the gateway's CPU (every thread)
//    in cores, the password checks it ran, a neighbour's echo ack p50/p99 (20 echoes/s), and how
//    long an operator takes to log in, from an address it logged in from before and from a new one.
// SERVER_CORES=0,1 lets the password checker's worker thread run beside the event loop, as on any
// server with more than one core (taskset pins every thread of the process).
//   [COST=12] [SECONDS=15] [ATTACKERS=8] [SERVER_CORES=0] taskset -c 1 node --import tsx bench/admin-login.ts
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import bcrypt from 'bcryptjs'
import { io as ioc } from 'socket.io-client'
import WebSocket from 'ws'
import { buildGateway } from './gateway.js'
import { SERVER_FLAGS } from './server-flags.js'

const COST = Number(process.env.COST ?? 12)
const SECONDS = Number(process.env.SECONDS ?? 15)
const SERVER_CORES = process.env.SERVER_CORES ?? '0'
const ATTACKERS = Number(process.env.ATTACKERS ?? 8)
const PASSWORD = 'bench password'

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function startServer (hash: string): ChildProcess {
  const child = spawn('taskset', ['-c', SERVER_CORES, process.execPath, ...SERVER_FLAGS, '--import', 'tsx', new URL('admin-server.ts', import.meta.url).pathname, 'operator'], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ADMIN_BENCH_HASH: hash, TRUST_PROXY: 'true' }
  })
  process.on('exit', () => child.kill('SIGKILL'))
  return child
}

async function cpu (server: ChildProcess): Promise<number> {
  server.send('cpu')
  const { cpu } = (await once(server, 'message'))[0] as { cpu: { user: number, system: number } }
  return cpu.user + cpu.system
}

/** One login over a raw WebSocket; resolves with "ok" or the refusal's code, and how long it took. */
function attempt (port: number, address: string, username: string, password: string): Promise<{ result: string, ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: { 'x-forwarded-for': address } })
    const done = (result: string): void => {
      ws.terminate()
      resolve({ result, ms: performance.now() - started })
    }
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send(`40/admin,${JSON.stringify({ username, password })}`)
      else if (text.startsWith('40/admin,')) done('ok')
      else if (text.startsWith('44/admin,')) done((JSON.parse(text.slice(9)) as { data?: { code?: string } }).data?.code ?? 'refused')
      else if (text === '2') ws.send('3')
    })
    ws.once('error', () => done('error'))
  })
}

let addressSeq = 0
let scenarioSeq = 0
const KNOWN_OPERATOR = '203.0.113.200'
const freshAddress = (): string => `10.${(addressSeq >> 16) & 255}.${(addressSeq >> 8) & 255}.${addressSeq++ & 255}`

async function oracle (port: number): Promise<void> {
  const wrongUser: number[] = []
  const wrongPassword: number[] = []
  // In turns, each first in every other pair: what else the machine does slows both alike.
  for (let i = 0; i < 20; i++) {
    const user = async (): Promise<void> => { wrongUser.push((await attempt(port, freshAddress(), `nobody-${i}`, 'guess')).ms) }
    const password = async (): Promise<void> => { wrongPassword.push((await attempt(port, freshAddress(), 'admin', 'guess')).ms) }
    if (i % 2 === 0) { await user(); await password() } else { await password(); await user() }
  }
  console.log(`response time, median of 20: wrong user name ${median(wrongUser).toFixed(0)} ms, wrong password ${median(wrongPassword).toFixed(0)} ms (cost ${COST})`)
}

async function scenario (server: ChildProcess, port: number, name: string, attackers: number, addressOf: (i: number) => string): Promise<void> {
  const neighbour = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false })
  await new Promise<void>((resolve) => { neighbour.once('connect', resolve) })
  const checksBefore = await checks(port)
  const cpuBefore = await cpu(server)
  const started = performance.now()
  let running = true
  const outcomes = new Map<string, number>()
  const attack = async (i: number): Promise<void> => {
    while (running) {
      const { result } = await attempt(port, addressOf(i), 'admin', `guess-${i}`)
      outcomes.set(result, (outcomes.get(result) ?? 0) + 1)
    }
  }
  const attacks = Array.from({ length: attackers }, (_v, i) => attack(i))
  const latencies: number[] = []
  const echoes = (async () => {
    while (running) {
      const t0 = performance.now()
      await neighbour.timeout(10_000).emitWithAck('echo', { n: 1 }).catch(() => {})
      latencies.push(performance.now() - t0)
      await sleep(50)
    }
  })()
  await sleep(SECONDS * 400)
  // An address an operator logged in from before (its check jumps the queue), then a new one.
  const known = await attempt(port, KNOWN_OPERATOR, 'admin', PASSWORD)
  const unknown = await attempt(port, `203.0.113.${100 + scenarioSeq++}`, 'admin', PASSWORD)
  await sleep(SECONDS * 400)
  running = false
  await Promise.all([...attacks, echoes])
  const elapsed = (performance.now() - started) / 1000
  const cores = (await cpu(server) - cpuBefore) / 1e6 / elapsed
  const ran = await checks(port) - checksBefore
  neighbour.disconnect()
  const attempts = [...outcomes.values()].reduce((a, b) => a + b, 0)
  console.log(`${name.padEnd(34)} attempts ${String(attempts).padStart(6)} (${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ') || '-'}), checks ${ran}, ` +
    `gateway ${cores.toFixed(2)} cores, neighbour ack p50 ${median(latencies).toFixed(1)} / p99 ${percentile(latencies, 0.99).toFixed(1)} ms, ` +
    `operator login ${known.result} in ${known.ms.toFixed(0)} ms from a known address, ${unknown.result} in ${unknown.ms.toFixed(0)} ms from a new one`)
}

async function checks (port: number): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return Number(/^socketgate_admin_password_checks_total (\d+)/m.exec(body)?.[1] ?? NaN)
}

buildGateway()
const server = startServer(await bcrypt.hash(PASSWORD, COST))
const rl = createInterface({ input: server.stdout! })
const [ready] = await once(rl, 'line') as [string]
const port = Number(ready.split(' ')[1])
console.log(`admin login flood: gateway on core(s) ${SERVER_CORES} (operator mode, bcrypt cost ${COST}), ${ATTACKERS} attackers and the neighbour on core 1, ${SECONDS} s per scenario`)
await oracle(port)
// The operator's usual address: known to the gateway from then on.
console.log(`operator's first login: ${(await attempt(port, KNOWN_OPERATOR, 'admin', PASSWORD)).result}`)
await scenario(server, port, 'idle (no attack)', 0, () => '')
await scenario(server, port, 'one attacker, one address', 1, () => '198.51.100.65')
await scenario(server, port, `${ATTACKERS} attackers, one address`, ATTACKERS, () => '198.51.100.66')
await scenario(server, port, `${ATTACKERS} attackers, a new address each try`, ATTACKERS, () => freshAddress())
server.kill('SIGKILL')
process.exit(0)
