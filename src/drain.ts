// Graceful drain: stop taking clients, then hand the connected ones to other nodes a few at a
// time. Closing the transport (not a Socket.IO disconnect, after which socket.io-client gives
// up) makes the standard client reconnect by itself, through the load balancer, to a node that
// is still ready; with connection state recovery it also gets what it missed.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'

export interface DrainOptions {
  /** Connections are closed evenly spread over this window, so other nodes are not stampeded. */
  windowMs: number
  /** Longest wait for a connection's in-flight acks before it is closed anyway. */
  ackTimeoutMs: number
}

const drains = new WeakMap<FastifyInstance, Promise<void>>()

export function drain (app: FastifyInstance, opts: Partial<DrainOptions> & { windowMs: number }): Promise<void> {
  let running = drains.get(app)
  if (!running) {
    running = run(app, { ackTimeoutMs: 5000, ...opts })
    drains.set(app, running)
  }
  return running
}

async function run (app: FastifyInstance, { windowMs, ackTimeoutMs }: DrainOptions): Promise<void> {
  if (app.lifecycle.state === 'ready' || app.lifecycle.state === 'starting') app.lifecycle.state = 'draining'
  const conns = app.connections.list()
  app.log.info({ connections: conns.length, windowMs }, 'draining: readiness is 503, clients are told to reconnect elsewhere')
  const step = conns.length > 1 ? windowMs / (conns.length - 1) : 0
  const started = Date.now()
  await Promise.all(conns.map(async (conn, i) => {
    await sleep(Math.max(0, started + i * step - Date.now()))
    await Promise.race([app.connections.idle(conn), sleep(ackTimeoutMs)])
    conn.close()
  }))
  app.log.info({ connections: conns.length, ms: Date.now() - started }, 'drained')
}
