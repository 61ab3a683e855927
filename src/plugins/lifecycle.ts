// Where the gateway is in its life, and which dependencies it needs to be ready. Health routes
// read it, the handshake gate refuses new clients while draining, and other plugins register
// their dependency checks here (the Redis adapter does in scale-out).
import { setMaxListeners } from 'node:events'
import fp from 'fastify-plugin'
import { Unavailable } from '../errors.js'

export type LifecycleState = 'starting' | 'ready' | 'draining' | 'stopped'

/** A dependency check: resolves with a short status, or throws/rejects when it is down. */
export type ReadinessCheck = () => Promise<string> | string

export class Lifecycle {
  state: LifecycleState = 'starting'
  readonly checks = new Map<string, ReadinessCheck>()
  /** Checks whose failure leaves the node ready (reported as degraded): see addCheck. */
  readonly #optional = new Set<string>()
  readonly #closing = new AbortController()

  constructor () {
    // A drain waits on it once per connection that owes an ack: thousands of listeners are normal.
    setMaxListeners(0, this.#closing.signal)
  }

  /** Aborted when the app starts closing, so waits (a drain's window) end instead of holding the process. */
  get closing (): AbortSignal {
    return this.#closing.signal
  }

  /** Readiness 503 for good; every wait on `closing` ends. */
  stop (): void {
    this.state = 'stopped'
    this.#closing.abort()
  }

  /** New clients are accepted only while ready. */
  get accepting (): boolean {
    return this.state === 'ready'
  }

  /**
   * `required: false`: a failure shows in the checks and the status (degraded) but keeps the
   * node ready, for a dependency the node can serve without (Redis: its own clients).
   */
  addCheck (name: string, check: ReadinessCheck, { required = true }: { required?: boolean } = {}): void {
    this.checks.set(name, check)
    if (required) this.#optional.delete(name)
    else this.#optional.add(name)
  }

  /** Runs every check (each bounded by `timeoutMs`); ready when the state is and all pass. */
  async readiness (timeoutMs = 1000): Promise<{ ready: boolean, degraded: boolean, state: LifecycleState, checks: Record<string, { ok: boolean, status: string }> }> {
    const checks: Record<string, { ok: boolean, status: string }> = {}
    await Promise.all([...this.checks].map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined
      try {
        const status = await Promise.race([
          Promise.resolve().then(check),
          new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs) })
        ])
        checks[name] = { ok: true, status }
      } catch (err) {
        checks[name] = { ok: false, status: (err as Error).message }
      } finally {
        clearTimeout(timer)
      }
    }))
    const failed = Object.keys(checks).filter((name) => !checks[name]!.ok)
    const ready = this.state === 'ready' && failed.every((name) => this.#optional.has(name))
    return { ready, degraded: failed.length > 0, state: this.state, checks }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle
  }
  interface FastifyContextConfig {
    /** The route answers for itself while the gateway closes (health routes); others get a 503. */
    whileStopping?: boolean
  }
}

export default fp(async (app) => {
  const lifecycle = new Lifecycle()
  app.decorate('lifecycle', lifecycle)
  // Ready when the HTTP server listens, whoever starts it: `listen()`, or an embedder calling
  // `app.server.listen()` after `ready()`, for whom Fastify's onListen hook never runs.
  app.addHook('onReady', async () => {
    const listening = (): void => {
      if (lifecycle.state === 'starting') lifecycle.state = 'ready'
    }
    if (app.server.listening) listening()
    else app.server.once('listening', listening)
  })
  app.addHook('preClose', async () => {
    lifecycle.stop()
  })
  // Fastify's own answer while closing (return503OnClosing, off in app.ts) has a body of its own
  // shape; this one is the gateway's, and tells the client where to go.
  app.addHook('onRequest', async (req, reply) => {
    if (lifecycle.state !== 'stopped' || req.routeOptions.config.whileStopping === true) return
    reply.header('connection', 'close')
    throw new Unavailable('This gateway is shutting down; send the request to another node')
  })
}, { fastify: '5.x', name: 'lifecycle' })
