// Open engine.io connections and the acks each still owes its client, so a drain can close
// every connection once, and only after answering what the client is waiting for.
import type { Socket as EngineSocket } from 'engine.io'
import type { GatewayServer } from '../plugins/socket-io.js'

interface Entry { inflight: number, idle?: () => void }

export class Connections {
  readonly #open = new Map<EngineSocket, Entry>()

  constructor (io: GatewayServer) {
    io.engine.on('connection', (conn: EngineSocket) => {
      this.#open.set(conn, { inflight: 0 })
      conn.once('close', () => {
        this.#open.get(conn)?.idle?.()
        this.#open.delete(conn)
      })
    })
  }

  get size (): number {
    return this.#open.size
  }

  list (): EngineSocket[] {
    return [...this.#open.keys()]
  }

  /**
   * Counts a client→server event that expects an ack until the ack is sent. Returns the ack to
   * hand to listeners in place of the original.
   */
  track<A extends (...args: never[]) => unknown> (conn: EngineSocket, ack: A): A {
    const entry = this.#open.get(conn)
    if (!entry) return ack
    entry.inflight++
    let done = false
    return ((...args: Parameters<A>) => {
      if (!done) {
        done = true
        if (--entry.inflight === 0) entry.idle?.()
      }
      return ack(...args)
    }) as A
  }

  /** Resolves when `conn` owes no ack (or has closed). */
  async idle (conn: EngineSocket): Promise<void> {
    const entry = this.#open.get(conn)
    if (!entry || entry.inflight === 0) return
    await new Promise<void>((resolve) => {
      entry.idle = () => { entry.idle = undefined; resolve() }
    })
  }
}
