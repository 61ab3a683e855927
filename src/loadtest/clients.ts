// The parts every scenario shares: connecting many real socket.io-client clients (bounded
// concurrency, connect time and errors recorded), sending on per-client timers spread over each
// period, and waiting for what is in flight.
import { io, type Socket } from 'socket.io-client'
import type { ScenarioContext } from './scenario.js'

export const CONNECT_TIMEOUT_MS = 10_000
/** Acks and deliveries not back this long after sending are counted as lost. */
export const SETTLE_TIMEOUT_MS = 10_000
/** At most this many handshakes in flight: a thousand at once would fill the server's backlog. */
const CONNECT_CONCURRENCY = 50

const codeOf = (err: unknown): string => (err as { data?: { code?: string } }).data?.code ?? (err as Error).message

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done)
  })
}

/** Polls `done` every 50 ms until it is true or `timeoutMs` passed. */
export async function until (done: () => boolean, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const end = performance.now() + timeoutMs
  while (!done() && performance.now() < end) await sleep(50)
}

/** Resolves at the socket's first connect, rejects with its first connect_error. */
export function firstConnect (socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
}

export interface ConnectOptions {
  /** New connections per second (idle's ramp); unset: as fast as CONNECT_CONCURRENCY allows. */
  perSecond?: number | undefined
  /** Runs once a client is connected; false drops it (its own error already recorded). */
  setup?: (socket: Socket, index: number) => Promise<boolean>
}

/**
 * Connects `target.clients` clients. Each one's connect time goes to the `connect` latency, each
 * refusal to the errors as `connect <code>`; a client that drops while the scenario is sending
 * counts as `disconnect <reason>` (it does not reconnect: a load test must see losses).
 */
export async function connectClients (ctx: ScenarioContext<unknown>, opts: ConnectOptions = {}): Promise<Socket[]> {
  const { target, stats } = ctx
  const connected: Socket[] = []
  const started = performance.now()
  let next = 0

  const one = async (i: number): Promise<void> => {
    const t0 = performance.now()
    const socket = io(target.url.href, {
      transports: [target.transport],
      forceNew: true,
      reconnection: false,
      // Keeps a sticky load balancer's cookie (deploy/haproxy.cfg), which long-polling needs.
      withCredentials: true,
      timeout: CONNECT_TIMEOUT_MS,
      auth: target.token !== undefined ? { token: target.token } : { name: `load-${i}` }
    })
    try {
      await firstConnect(socket)
    } catch (err) {
      socket.close()
      stats.error(`connect ${codeOf(err)}`)
      return
    }
    stats.latency('connect', performance.now() - t0)
    stats.connected++
    socket.on('disconnect', (reason) => {
      stats.connected--
      if (stats.phase === 'sending' || stats.phase === 'settling') stats.error(`disconnect ${reason}`)
    })
    if (opts.setup && !await opts.setup(socket, i)) {
      socket.close()
      return
    }
    connected.push(socket)
  }

  const worker = async (): Promise<void> => {
    while (next < target.clients && !ctx.signal.aborted) {
      const i = next++
      if (opts.perSecond !== undefined) {
        // Paced: client i starts at i / perSecond seconds.
        const due = started + (i / opts.perSecond) * 1000
        await sleep(due - performance.now(), ctx.signal)
        if (ctx.signal.aborted) return
      }
      await one(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, target.clients) }, worker))
  return connected
}

/**
 * Calls `send(member)` `perSecond` times a second for each member, for `seconds` (or until
 * aborted). Each member's timer starts at a random point of its first period, so the sends
 * spread over the second instead of leaving in one burst.
 */
export async function sendEvery<M> (ctx: ScenarioContext<unknown>, members: readonly M[], perSecond: number, seconds: number, send: (m: M) => void): Promise<void> {
  const period = 1000 / perSecond
  const timers: NodeJS.Timeout[] = []
  for (const m of members) {
    timers.push(setTimeout(() => {
      send(m)
      timers.push(setInterval(() => { send(m) }, period))
    }, Math.random() * period))
  }
  await sleep(seconds * 1000, ctx.signal)
  for (const timer of timers) clearTimeout(timer)
}

/** A payload of `bytes` characters starting with `head`. */
export const padded = (head: string, bytes: number): string => head.padEnd(bytes, 'x')
