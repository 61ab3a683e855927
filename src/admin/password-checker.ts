// bcrypt checks of admin passwords, off the event loop. bcryptjs is pure JavaScript: one check at
// cost 12 is ~0.3 s of CPU, which on the main thread stalls every client of the gateway. Here the
// checks run one after another on one worker thread, and the queues in front of it are bounded:
// at most one core is ever spent on passwords, and a full queue refuses at once.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Run with `eval`: the worker needs no file of its own in src/ and dist/, nor tsx's loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const bcrypt = require(workerData.bcrypt)
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false
  try { ok = bcrypt.compareSync(password, hash) } catch {}
  parentPort.postMessage({ id, ok })
})
`

export class CheckerBusy extends Error {
  constructor () {
    super('too many admin logins are being checked; try again in a moment')
  }
}

interface Job { id: number, password: string, hash: string }
interface Pending { resolve: (ok: boolean) => void, reject: (err: Error) => void }

export interface CheckerOptions {
  /** Checks waiting at most, per lane (besides the one running); more are refused with CheckerBusy. @default 16 */
  maxPending?: number
}

/**
 * Two lanes: `priority` (addresses an operator logged in from before) is served first, so a flood
 * from many addresses delays a known operator by one check at most, not by the whole queue.
 */
export class PasswordChecker {
  readonly #maxPending: number
  readonly #pending = new Map<number, Pending>()
  readonly #lanes: { priority: Job[], normal: Job[] } = { priority: [], normal: [] }
  #running: Job | undefined
  #worker: Worker | undefined
  #nextId = 0
  #closed = false
  /** Checks handed to the worker so far (a test proves a wrong user name costs one too). */
  checks = 0

  constructor (opts: CheckerOptions = {}) {
    this.#maxPending = opts.maxPending ?? 16
  }

  get pending (): number {
    return this.#pending.size
  }

  /** Resolves with whether `password` matches the bcrypt `hash`; never throws for a bad hash (false). */
  check (password: string, hash: string, priority = false): Promise<boolean> {
    if (this.#closed) return Promise.reject(new Error('the password checker is closed'))
    const lane = priority ? this.#lanes.priority : this.#lanes.normal
    if (lane.length >= this.#maxPending) return Promise.reject(new CheckerBusy())
    const id = this.#nextId++
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      lane.push({ id, password, hash })
      this.#next()
    })
  }

  async close (): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    this.#fail(new Error('the password checker is closed'))
    if (worker) await worker.terminate()
  }

  /** One job at a time on the worker: the lanes decide what runs next. */
  #next (): void {
    if (this.#running !== undefined || this.#closed) return
    const job = this.#lanes.priority.shift() ?? this.#lanes.normal.shift()
    if (job === undefined) return
    this.#running = job
    this.checks++
    this.#start().postMessage(job)
  }

  #start (): Worker {
    if (this.#worker) return this.#worker
    const bcrypt = createRequire(import.meta.url).resolve('bcryptjs')
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcrypt } })
    // Idle, it must not keep the process (or a test) alive; busy, the pending checks' own
    // promises do.
    worker.unref()
    worker.on('message', ({ id, ok }: { id: number, ok: boolean }) => {
      const pending = this.#pending.get(id)
      this.#pending.delete(id)
      this.#running = undefined
      pending?.resolve(ok)
      this.#next()
    })
    const lost = (err: Error): void => {
      if (this.#worker !== worker) return
      this.#worker = undefined
      this.#fail(err)
    }
    worker.on('error', lost)
    worker.on('exit', (code) => { lost(new Error(`the password checker's worker exited (${code})`)) })
    this.#worker = worker
    return worker
  }

  #fail (err: Error): void {
    for (const { reject } of this.#pending.values()) reject(err)
    this.#pending.clear()
    this.#lanes.priority = []
    this.#lanes.normal = []
    this.#running = undefined
  }
}
