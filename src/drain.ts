// Graceful drain: stop taking clients, then hand the connected ones to other nodes a few at a
// time. Closing the transport (not a Socket.IO disconnect, after which socket.io-client gives
// up) makes the standard client reconnect by itself, through the load balancer, to a node that
// is still ready; with connection state recovery it also gets what it missed.
import type { Socket as EngineSocket } from 'engine.io'
import type { FastifyInstance } from 'fastify'

export interface DrainOptions {
  /** Connections are closed evenly spread over this window, so other nodes are not stampeded. */
  windowMs: number
  /** Longest wait for a connection's in-flight acks before it is closed anyway. */
  ackTimeoutMs: number
}

const drains = new WeakMap<FastifyInstance, Promise<void>>()

/** Starts the drain once; later calls (a second signal, a test) get the same promise. */
export function drain (app: FastifyInstance, opts: DrainOptions): Promise<void> {
  let running = drains.get(app)
  if (!running) {
    running = run(app, opts)
    drains.set(app, running)
  }
  return running
}

/**
 * Waits `ms`, or less when `until` settles or the app starts closing. Leaves no timer behind:
 * a drain that finished early must not keep the process (or a test file) alive.
 */
function pause (ms: number, signal: AbortSignal, until?: Promise<unknown>): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal.addEventListener('abort', done)
    until?.then(done, done)
  })
}

async function run (app: FastifyInstance, { windowMs, ackTimeoutMs }: DrainOptions): Promise<void> {
  const { lifecycle, connections } = app
  if (lifecycle.state === 'ready' || lifecycle.state === 'starting') lifecycle.state = 'draining'
  const conns = connections.list()
  app.log.info({ connections: conns.length, windowMs }, 'draining: readiness is 503, clients are told to reconnect elsewhere')
  const closeWhenIdle = async (conn: EngineSocket): Promise<void> => {
    if (connections.owed(conn) > 0) await pause(ackTimeoutMs, lifecycle.closing, connections.idle(conn))
    conn.close()
  }

  const step = conns.length > 1 ? windowMs / (conns.length - 1) : 0
  const started = Date.now()
  const closing: Array<Promise<void>> = []
  let i = 0
  // One timer at a time; under load timers fire late, so each wake-up closes every connection
  // whose turn has come and the window still holds.
  while (i < conns.length && !lifecycle.closing.aborted) {
    await pause(started + i * step - Date.now(), lifecycle.closing)
    const now = Date.now()
    do closing.push(closeWhenIdle(conns[i++]!))
    while (i < conns.length && started + i * step <= now)
  }
  // A handshake accepted just before readiness flipped can open its connection after the list
  // above was taken; without this it would only hear "io server disconnect" and not come back.
  const listed = new Set(conns)
  for (const conn of connections.list()) if (!listed.has(conn)) closing.push(closeWhenIdle(conn))
  await Promise.all(closing)
  app.log.info({ connections: conns.length, ms: Date.now() - started }, 'drained')
}
