// How the admin UI's nodes talk to each other: Socket.IO's own server-side events on the admin
// namespace (`serverSideEmit`), which the cluster adapter carries over Redis pub/sub (never the
// stream, so nothing of it is stored or replayed). One interface, picked once: a single node has
// no one to tell. Every message is counted, so a test and a metric can show that none is sent
// while no operator is connected.
import type { Namespace } from 'socket.io'

export interface Asked<T> {
  responses: T[]
  /** False when a node did not answer in time (or Redis is away): the responses are partial. */
  complete: boolean
}

export interface AdminChannel {
  /** Messages this node sent to the others, by event. */
  readonly sent: Map<string, number>
  /** Tells every other node. */
  send: (event: string, ...args: unknown[]) => void
  /** Asks every other node; resolves with their answers, partial after `ASK_TIMEOUT_MS`. */
  ask: <T>(event: string, ...args: unknown[]) => Promise<Asked<T>>
  /** Handles what other nodes `send`. */
  on: (event: string, handler: (...args: unknown[]) => void) => void
  /** Answers what other nodes `ask`. */
  answer: (event: string, handler: (...args: unknown[]) => unknown) => void
}

/** Beyond the adapter's own 5 s, which starts only once Redis has counted the nodes. */
export const ASK_TIMEOUT_MS = 6000

export function singleNodeChannel (): AdminChannel {
  return {
    sent: new Map(),
    send: () => {},
    ask: async () => ({ responses: [], complete: true }),
    on: () => {},
    answer: () => {}
  }
}

type Ack = (err: Error | null, responses: unknown[]) => void
interface Emitter { on: (event: string, fn: (...args: unknown[]) => void) => void }

export function clusterChannel (nsp: Namespace, onError: (err: unknown) => void): AdminChannel {
  const sent = new Map<string, number>()
  const count = (event: string): void => { sent.set(event, (sent.get(event) ?? 0) + 1) }
  // The adapter's own method, whose promise Namespace#serverSideEmit would leave unhandled (a
  // Redis away when it counts the nodes would then end the process).
  const publish = (packet: unknown[]): void => {
    Promise.resolve(nsp.adapter.serverSideEmit(packet)).catch(onError)
  }
  return {
    sent,
    send: (event, ...args) => {
      count(event)
      publish([event, ...args])
    },
    ask: <T>(event: string, ...args: unknown[]) => new Promise<Asked<T>>((resolve) => {
      count(event)
      const timer = setTimeout(() => { resolve({ responses: [], complete: false }) }, ASK_TIMEOUT_MS)
      const ack: Ack = (err, responses) => {
        clearTimeout(timer)
        resolve({ responses: responses as T[], complete: err === null })
      }
      publish([event, ...args, ack])
    }),
    on: (event, handler) => { (nsp as unknown as Emitter).on(event, handler) },
    answer: (event, handler) => {
      (nsp as unknown as Emitter).on(event, (...args) => {
        const reply = args.pop() as (answer: unknown) => void
        Promise.resolve().then(() => handler(...args)).then(reply, (err: unknown) => {
          onError(err)
          reply(null)
        })
      })
    }
  }
}
