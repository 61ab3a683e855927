// A /metrics scrape flood against one gateway (issue 17, item 7): the gateway's CPU, in % of one
// core, while clients scrape as fast as they can (or at RATE per second), with renders unspaced
// (METRICS_RENDER_INTERVAL_MS=0, what every scrape cost before) and spaced (the default, 100 ms),
// in alternating rounds. The gateway (dist/server.js, built first) holds SOCKETS idle WebSocket
// clients so the page has a realistic size; it runs on core 0, the scrapers here on core 1.
//   [SECONDS=10] [ROUNDS=3] [CONCURRENCY=64] [RATE=0 (as fast as possible)] [SOCKETS=1000] \
//     taskset -c 1 node --import tsx bench/scrape-flood.ts
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import { buildGateway } from './gateway.js'
import { SERVER_FLAGS } from './server-flags.js'
import { freePort } from '../test/free-port.js'

const SECONDS = Number(process.env.SECONDS ?? 10)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)
const RATE = Number(process.env.RATE ?? 0)
const SOCKETS = Number(process.env.SOCKETS ?? 1000)
const TICKS = 100 // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** utime + stime of a process, in seconds. */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

async function startGateway (intervalMs: number): Promise<{ child: ChildProcess, url: string }> {
  const port = await freePort()
  const child = spawn('taskset', ['-c', '0', process.execPath, ...SERVER_FLAGS, 'dist/server.js', '--port', String(port)], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_UI: 'false', DEMO_PAGE: 'false', METRICS_RENDER_INTERVAL_MS: String(intervalMs) }
  })
  process.on('exit', () => child.kill('SIGKILL'))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try { if ((await fetch(url + '/healthz')).ok) break } catch {}
    if (i > 1200) throw new Error('gateway did not start within 60 s')
    await sleep(50)
  }
  return { child, url }
}

async function idleSockets (url: string, n: number): Promise<WebSocket[]> {
  const all: WebSocket[] = []
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket')
      ws.on('message', (m: Buffer) => {
        const s = m.toString()
        if (s.startsWith('0{')) ws.send('40')
        else if (s.startsWith('40')) resolve()
        else if (s === '2') ws.send('3')
      })
      ws.once('error', reject)
      all.push(ws)
    })))
  }
  return all
}

interface Round { intervalMs: number, scrapes: number, ok: number, refused: number, cpuPct: number, idleCpuPct: number }

async function round (intervalMs: number): Promise<Round> {
  const { child, url } = await startGateway(intervalMs)
  const sockets = await idleSockets(url, SOCKETS)
  await sleep(1000)
  // The same gateway idle, for the baseline its sockets' heartbeats cost.
  let cpu0 = cpuSeconds(child.pid!)
  let t0 = performance.now()
  await sleep(SECONDS * 1000 / 2)
  const idleCpuPct = 100 * (cpuSeconds(child.pid!) - cpu0) / ((performance.now() - t0) / 1000)

  let ok = 0
  let refused = 0
  const deadline = performance.now() + SECONDS * 1000
  const gap = RATE > 0 ? CONCURRENCY * 1000 / RATE : 0
  cpu0 = cpuSeconds(child.pid!)
  t0 = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const started = performance.now()
      const res = await fetch(url + '/metrics')
      await res.arrayBuffer()
      if (res.status === 200) ok++
      else refused++
      if (gap > 0) await sleep(Math.max(0, gap - (performance.now() - started)))
    }
  }))
  const elapsed = (performance.now() - t0) / 1000
  const cpuPct = 100 * (cpuSeconds(child.pid!) - cpu0) / elapsed
  for (const ws of sockets) ws.terminate()
  child.kill('SIGKILL')
  return { intervalMs, scrapes: (ok + refused) / elapsed, ok, refused, cpuPct, idleCpuPct }
}

buildGateway()
const rows: Round[] = []
for (let r = 0; r < ROUNDS; r++) {
  for (const intervalMs of [0, 100]) {
    const res = await round(intervalMs)
    rows.push(res)
    console.log(`round ${r + 1} METRICS_RENDER_INTERVAL_MS=${intervalMs}: ${res.scrapes.toFixed(0)} scrapes/s (${res.ok} ok, ${res.refused} refused), gateway CPU ${res.cpuPct.toFixed(1)} % of a core (idle ${res.idleCpuPct.toFixed(1)} %)`)
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`\n| METRICS_RENDER_INTERVAL_MS | scrapes/s (median) | gateway CPU, % of a core (median) | idle CPU | CPU ms per scrape above idle (median) | rounds |`)
console.log('|---|---|---|---|---|---|')
for (const intervalMs of [0, 100]) {
  const mine = rows.filter((r) => r.intervalMs === intervalMs)
  const perScrape = median(mine.map((r) => 10 * (r.cpuPct - r.idleCpuPct) / r.scrapes))
  console.log(`| ${intervalMs} | ${median(mine.map((r) => r.scrapes)).toFixed(0)} | ${median(mine.map((r) => r.cpuPct)).toFixed(1)} | ${median(mine.map((r) => r.idleCpuPct)).toFixed(1)} | ${perScrape.toFixed(2)} | ${mine.length} |`)
}
process.exit(0)
