// bcrypt checks of admin passwords, off the event loop. bcryptjs is pure JavaScript: one check at
// cost 12 is ~0.3 s of CPU, which on the main thread stalls every client of the gateway. Here the
// checks run one after another on one worker thread, and the queue in front of it is bounded:
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

interface Pending { resolve: (ok: boolean) => void, reject: (err: Error) => void }

export interface CheckerOptions {
  /** Checks waiting or running at most; more are refused with CheckerBusy. @default 16 */
  maxPending?: number
}

export class PasswordChecker {
  readonly #maxPending: number
  readonly #pending = new Map<number, Pending>()
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
  check (password: string, hash: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(new Error('the password checker is closed'))
    if (this.#pending.size >= this.#maxPending) return Promise.reject(new CheckerBusy())
    const worker = this.#start()
    const id = this.#nextId++
    this.checks++
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage({ id, password, hash })
    })
  }

  async close (): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    this.#fail(new Error('the password checker is closed'))
    if (worker) await worker.terminate()
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
      if (!pending) return
      this.#pending.delete(id)
      pending.resolve(ok)
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
  }
}
