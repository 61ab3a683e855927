// A neighbour's ack latency while one socket floods the gateway with events (issue 17: within 2×
// of its idle p99). The gateway (bench/limits-server.ts) runs in its own process on SERVER_CORES;
// the neighbour and the attacker run here. The neighbour sends RATE `message:send` events a second
// with an ack, to a room of its own, and records each ack's round trip. The attacker sends
// `message:send` with an ack to the default room, pre-encoded, as fast as the gateway reads them,
// and, once cut off, reconnects at once, as an attacker would. The attacker is a process of its
// own (this file with `attacker URL`): in the neighbour's process its work would delay the
// neighbour itself. Phases of SECONDS each, alternating: idle, flood; first with the limits at their
// defaults, then with EVENT_RATE=0 (no event limit: the gateway as it was) for comparison.
//   [SECONDS=5] [RATE=50] [BATCH=200] [ROUNDS=2] [SERVER_CORES=0] taskset -c 1 node --import tsx bench/flood.ts
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { io as ioc, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { buildGateway } from './gateway.js'
import { percentile, startServer } from './limits-common.js'

const SECONDS = Number(process.env.SECONDS ?? 5)
const RATE = Number(process.env.RATE ?? 50)
const BATCH = Number(process.env.BATCH ?? 200)
const ROUNDS = Number(process.env.ROUNDS ?? 2)

const connect = async (url: string): Promise<Socket> => {
  const s = ioc(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve)
    s.once('connect_error', reject)
  })
  return s
}

/** Acks the neighbour got during `ms`, as round trips in ms. */
async function neighbourPhase (neighbour: Socket, ms: number): Promise<number[]> {
  const rtts: number[] = []
  const end = performance.now() + ms
  const pending: Array<Promise<void>> = []
  while (performance.now() < end) {
    const t0 = performance.now()
    pending.push(neighbour.timeout(10_000).emitWithAck('message:send', { content: 'ping', room: 'neighbour' }).then(() => { rtts.push(performance.now() - t0) }, () => { rtts.push(10_000) }))
    await new Promise((resolve) => setTimeout(resolve, 1000 / RATE))
  }
  await Promise.all(pending)
  return rtts
}

/**
 * The attacker's process: a raw WebSocket client writing pre-encoded, masked `message:send`
 * frames with an ack id straight to its TCP socket, BATCH per write, as fast as the gateway reads
 * them (it waits for 'drain'), and reconnecting at once when cut off: it costs the attacker next
 * to nothing per event, as a real flood does. Prints its counts as JSON on SIGTERM.
 */
async function attack (url: string): Promise<void> {
  let running = true
  const stats = { sent: 0, ok: 0, limited: 0, connects: 0, refusedConnects: 0 }
  process.once('SIGTERM', () => { running = false })
  const payload = Buffer.from('421["message:send",{"content":"flood"}]')
  // FIN + text, masked with a zero key (the payload is unchanged), length < 126.
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload])
  const batch = Buffer.concat(Array.from({ length: BATCH }, () => frame))
  while (running) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
    const ready = await new Promise<boolean>((resolve) => {
      ws.on('message', (data) => {
        const text = data.toString()
        if (text.startsWith('0{')) ws.send('40')
        else if (text.startsWith('40')) resolve(true)
        else if (text === '2') ws.send('3')
        else if (text.startsWith('43')) {
          if (text.includes('SG_RATE_LIMITED')) stats.limited++
          else stats.ok++
        }
      })
      ws.on('error', () => resolve(false))
      ws.once('close', () => resolve(false))
    })
    if (!ready) {
      stats.refusedConnects++
      await new Promise((resolve) => setTimeout(resolve, 10))
      continue
    }
    if (stats.connects++ === 0) console.log('FLOODING')
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket
    // Cut off mid-write: the next connection follows.
    socket.on('error', () => {})
    while (running && ws.readyState === WebSocket.OPEN) {
      stats.sent += BATCH
      if (!socket.write(batch)) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve)
          ws.once('close', resolve)
        })
      }
      else await new Promise((resolve) => setImmediate(resolve))
    }
    ws.terminate()
  }
  console.log(JSON.stringify(stats))
}

function attacker (url: string): { started: Promise<void>, stop: () => Promise<{ sent: number, ok: number, limited: number, connects: number, refusedConnects: number }> } {
  const child = spawn(process.execPath, [ '--import', 'tsx', new URL(import.meta.url).pathname, 'attacker', url], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  return {
    started: new Promise<void>((resolve) => { child.stdout.on('data', () => { if (out.includes('FLOODING')) resolve() }) }),
    stop: async () => {
      child.kill('SIGTERM')
      await once(child, 'exit')
      return JSON.parse(out.trim().split('\n').at(-1) ?? '{}')
    }
  }
}

if (process.argv[2] === 'attacker') {
  await attack(process.argv[3]!)
  process.exit(0)
}

/** The gateway's CPU time between two readings, as a share of one core over the phase. */
const cpuShare = (a: { user: number, system: number }, b: { user: number, system: number }): string =>
  `${((b.user + b.system - a.user - a.system) / 1e6 / SECONDS * 100).toFixed(0)} %`

buildGateway()
console.log(`neighbour: ${RATE} acked events/s; attacker: ${BATCH} events per turn, reconnecting when cut off; ${SECONDS} s phases, ${ROUNDS} rounds`)
console.log('limits            | phase | acks | p50 ms | p99 ms | server CPU (of one core) | attacker sent / ok / limited / connects (refused)')
for (const [label, env] of [['defaults', {}], ['EVENT_RATE=0', { EVENT_RATE: '0' }]] as const) {
  const server = await startServer(env)
  const neighbour = await connect(server.url)
  await neighbour.emitWithAck('room:join', 'neighbour')
  await neighbour.emitWithAck('room:leave', 'chat-general')
  const idle: number[] = []
  const flooded: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    let cpu0 = await server.ask<{ user: number, system: number }>({ cmd: 'cpu' })
    const i = await neighbourPhase(neighbour, SECONDS * 1000)
    let cpu1 = await server.ask<{ user: number, system: number }>({ cmd: 'cpu' })
    idle.push(...i)
    console.log(`${label.padEnd(17)} | idle  | ${String(i.length).padStart(4)} | ${percentile(i, 0.5).toFixed(2).padStart(6)} | ${percentile(i, 0.99).toFixed(2).padStart(6)} | server CPU ${cpuShare(cpu0, cpu1)} |`)
    const a = attacker(server.url)
    await a.started
    cpu0 = await server.ask<{ user: number, system: number }>({ cmd: 'cpu' })
    const f = await neighbourPhase(neighbour, SECONDS * 1000)
    cpu1 = await server.ask<{ user: number, system: number }>({ cmd: 'cpu' })
    const s = await a.stop()
    flooded.push(...f)
    console.log(`${label.padEnd(17)} | flood | ${String(f.length).padStart(4)} | ${percentile(f, 0.5).toFixed(2).padStart(6)} | ${percentile(f, 0.99).toFixed(2).padStart(6)} | server CPU ${cpuShare(cpu0, cpu1)} | ${s.sent} / ${s.ok} / ${s.limited} / ${s.connects} (${s.refusedConnects})`)
  }
  console.log(`${label.padEnd(17)} | all   | idle p99 ${percentile(idle, 0.99).toFixed(2)} ms, flood p99 ${percentile(flooded, 0.99).toFixed(2)} ms: ${(percentile(flooded, 0.99) / percentile(idle, 0.99)).toFixed(2)}×`)
  console.log(`${label.padEnd(17)} | limits ${JSON.stringify(await server.ask({ cmd: 'limits' }))}`)
  neighbour.disconnect()
  await server.stop()
}
