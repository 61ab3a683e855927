// The processes of one bench/delivery-cluster.ts run: a private redis-server, N server processes
// (bench/delivery-server.ts with REDIS_URL) on fixed ports, and HAProxy from deploy/haproxy.cfg
// in front of them (test/cluster/helpers.ts starts Redis and HAProxy as the tests do). A node
// killed or drained is started again on its port, as a new process with a new node id
// (`node-a.2`): HAProxy's server line stays the same, its health check brings it back. Each
// process's output goes to a file of the run's directory; `stop()` ends every process still
// running, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { freePort, startHaproxy, startRedis, uniquePrefix, waitFor, type LoadBalancer, type Teardown } from '../test/cluster/helpers.js'

export type ServerKind = 'socketgate' | 'plain'

export interface ClusterOptions {
  kind: ServerKind
  nodes: number
  /** Where each process's output goes. */
  dir: string
  env: Record<string, string>
}

interface Slot { name: string, port: number, incarnation: number, child?: ChildProcess }

export class BenchCluster {
  readonly #opts: ClusterOptions
  readonly #teardowns: Array<() => unknown> = []
  readonly #slots: Slot[] = []
  readonly #started = performance.now()
  #origin = 0
  #watch?: NodeJS.Timeout
  /** What happened, with seconds since `markOrigin()`: faults, exits, restarts, HAProxy's view. */
  readonly events: Array<{ at: number, what: string }> = []
  #redisUrl = ''
  #prefix = uniquePrefix()
  lb!: LoadBalancer

  private constructor (opts: ClusterOptions) {
    this.#opts = opts
  }

  static async start (opts: ClusterOptions): Promise<BenchCluster> {
    const cluster = new BenchCluster(opts)
    try {
      await cluster.#boot()
    } catch (err) {
      await cluster.stop()
      throw err
    }
    return cluster
  }

  async #boot (): Promise<void> {
    const t: Teardown = { teardown: (fn) => { this.#teardowns.push(fn) } }
    this.#redisUrl = (await startRedis(t)).url
    for (let i = 0; i < this.#opts.nodes; i++) {
      this.#slots.push({ name: `node-${String.fromCharCode(97 + i)}`, port: await freePort(), incarnation: 0 })
    }
    await Promise.all(this.#slots.map((_s, i) => this.#spawn(i)))
    await Promise.all(this.#slots.map((_s, i) => this.ready(i, this.#opts.nodes)))
    this.lb = await startHaproxy(t, this.#slots)
    // HAProxy's log lines carry no time: note each server going DOWN or UP as it appears.
    let seen = 0
    this.#watch = setInterval(() => {
      const lines = this.lb.output().split('\n')
      for (const line of lines.slice(seen, -1)) {
        const change = /gateways\/(\S+) is (DOWN|UP)/.exec(line)
        if (change) this.note(`HAProxy: ${change[1]} ${change[2]}${change[2] === 'DOWN' ? ` (${/reason: ([^,]+)/.exec(line)?.[1] ?? ''})` : ''}`)
        if (line.includes('has no server available')) this.note('HAProxy: no server available')
      }
      seen = Math.max(seen, lines.length - 1)
    }, 100)
  }

  /** Milliseconds since the cluster started. */
  get clock (): number {
    return performance.now() - this.#started
  }

  /** From now on, events are timed from here (the first publish). */
  markOrigin (): void {
    this.#origin = this.clock
  }

  note (what: string): void {
    this.events.push({ at: (this.clock - this.#origin) / 1000, what })
  }

  nodeId (i: number): string {
    const slot = this.#slots[i]!
    return `${slot.name}.${slot.incarnation}`
  }

  url (i: number): string {
    return `http://127.0.0.1:${this.#slots[i]!.port}`
  }

  async #spawn (i: number): Promise<void> {
    const slot = this.#slots[i]!
    slot.incarnation++
    const id = this.nodeId(i)
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('delivery-server.ts', import.meta.url).pathname], {
      env: {
        ...process.env,
        ...this.#opts.env,
        KIND: this.#opts.kind,
        PORT: String(slot.port),
        REDIS_URL: this.#redisUrl,
        REDIS_KEY_PREFIX: this.#prefix,
        NODE_ID: id
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    slot.child = child
    const log = createWriteStream(join(this.#opts.dir, `${id}.log`))
    child.stderr!.pipe(log, { end: false })
    const lines = createInterface({ input: child.stdout! })
    const listening = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        log.write(line + '\n')
        if (/^listening \d+$/.test(line)) resolve()
      })
      child.once('exit', (code, signal) => reject(new Error(`${id} exited (${code ?? signal}) before listening`)))
    })
    child.once('exit', (code, signal) => { log.end(`exit ${code ?? signal}\n`) })
    await listening
  }

  /**
   * Waits until node `i` answers its readiness check and, socketgate, sees `nodes` nodes (a node
   * started again may still see the process it replaces until that one's membership times out).
   */
  async ready (i: number, nodes?: number): Promise<void> {
    await waitFor(`${this.nodeId(i)} ready`, async () => {
      const res = await fetch(this.url(i) + '/readyz')
      const body = await res.json() as { checks?: { redis?: { status?: string } } }
      if (res.status !== 200) return undefined
      if (this.#opts.kind === 'plain' || nodes === undefined) return true
      return body.checks?.redis?.status?.includes(`${nodes} node(s)`) ? true : undefined
    }, 30_000)
  }

  /** The sum of a socketgate node's series `name` (any labels), undefined if it did not answer. */
  async #metric (i: number, name: string): Promise<number | undefined> {
    const page = await fetch(this.url(i) + '/metrics').then(async (r) => r.text(), () => undefined)
    if (page === undefined) return undefined
    return page.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
  }

  /** " (sockets: node-a.1 150, node-b.1 150)": the sockets on each live node; socketgate only. */
  async sockets (): Promise<string> {
    if (this.#opts.kind === 'plain') return ''
    const counts = await Promise.all(this.#slots.map(async (_s, i) => `${this.nodeId(i)} ${await this.#metric(i, 'socketgate_sockets_connected') ?? '—'}`))
    return ` (sockets: ${counts.join(', ')})`
  }

  async #end (i: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.#slots[i]!.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
  }

  /** SIGKILL node `i`: no drain, no goodbye to Redis. */
  async kill (i: number): Promise<void> {
    this.note(`SIGKILL ${this.nodeId(i)}${await this.sockets()}`)
    await this.#end(i, 'SIGKILL')
  }

  /**
   * SIGTERM node `i` and wait until it exited (socketgate drains: DRAIN_WINDOW_MS, 10 s by
   * default), noting the handshakes it refused meanwhile (403 while draining: those clients
   * back off and try again, through HAProxy, which sends them elsewhere once its check saw it).
   */
  async drain (i: number): Promise<void> {
    this.note(`SIGTERM ${this.nodeId(i)}${await this.sockets()}`)
    const refusals = 'socketgate_engine_handshake_errors_total'
    const before = this.#opts.kind === 'socketgate' ? await this.#metric(i, refusals) : undefined
    let last = before
    const ended = this.#end(i, 'SIGTERM')
    let exited = false
    void ended.then(() => { exited = true })
    while (before !== undefined && !exited) {
      // The highest read: while the node closes, its page may still answer without the series.
      last = Math.max(last!, await this.#metric(i, refusals) ?? 0)
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 250))])
    }
    await ended
    this.note(`${this.nodeId(i)} exited${before !== undefined ? `, having refused ${last! - before} handshakes while draining` : ''}`)
  }

  /** Starts node `i` again (a new process, a new node id) and waits until it is ready. */
  async restart (i: number): Promise<void> {
    await this.#spawn(i)
    await this.ready(i)
    this.note(`${this.nodeId(i)} started and ready`)
  }

  /** Waits until HAProxy's check has taken node `i` back (no server line DOWN without an UP after it). */
  async inRotation (i: number): Promise<void> {
    const name = this.#slots[i]!.name
    const count = (state: string): number => this.lb.output().split(`gateways/${name} is ${state}`).length - 1
    await waitFor(`HAProxy to take ${name} back`, () => count('UP') >= count('DOWN') ? true : undefined, 10_000)
  }

  /** Ends every process, nodes first; safe to call twice. */
  async stop (): Promise<void> {
    clearInterval(this.#watch)
    await Promise.all(this.#slots.map((_s, i) => this.#end(i, 'SIGKILL')))
    for (const fn of this.#teardowns.splice(0).reverse()) await fn()
  }
}
