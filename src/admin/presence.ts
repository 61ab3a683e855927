// Is an operator connected anywhere in the cluster? A node with operators of its own says so to the
// others when its first one logs in, again every RENEW_MS while any stays, and once more when its
// last one leaves. A node that hears nothing for EXPIRE_MS (the watching node died) stops
// watching for it. With no operator anywhere, no node sends anything for admin purposes.
import type { AdminChannel } from './channel.js'

export const RENEW_MS = 5000
export const EXPIRE_MS = 15_000

const WATCH = 'socketgate:admin:watch'
const UNWATCH = 'socketgate:admin:unwatch'

export class Presence {
  /** Operators connected to this node. */
  local = 0
  /** Other nodes with operators, and until when their last word holds. */
  readonly #remote = new Map<string, number>()
  #renew: NodeJS.Timeout | undefined

  constructor (
    private readonly channel: AdminChannel,
    private readonly nodeId: string,
    /** Called when `active()` may have turned true (an operator arrived here or elsewhere). */
    private readonly onWatched: () => void,
    private readonly now: () => number = Date.now
  ) {
    channel.on(WATCH, (node) => {
      if (typeof node !== 'string' || node === nodeId) return
      const wasWatching = this.remoteWatching()
      this.#remote.set(node, this.now() + EXPIRE_MS)
      if (!wasWatching) this.onWatched()
    })
    channel.on(UNWATCH, (node) => { if (typeof node === 'string') this.#remote.delete(node) })
  }

  /** Some other node has an operator: what happens here must be sent there. */
  remoteWatching (): boolean {
    const now = this.now()
    for (const [node, until] of this.#remote) if (until < now) this.#remote.delete(node)
    return this.#remote.size > 0
  }

  /** Someone, here or elsewhere, is watching. */
  active (): boolean {
    return this.local > 0 || this.remoteWatching()
  }

  operatorJoined (): void {
    if (this.local++ > 0) return
    this.channel.send(WATCH, this.nodeId)
    this.#renew = setInterval(() => { this.channel.send(WATCH, this.nodeId) }, RENEW_MS)
    this.#renew.unref()
    this.onWatched()
  }

  operatorLeft (): void {
    if (this.local === 0 || --this.local > 0) return
    clearInterval(this.#renew)
    this.#renew = undefined
    this.channel.send(UNWATCH, this.nodeId)
  }

  stop (): void {
    clearInterval(this.#renew)
    this.#renew = undefined
  }
}
