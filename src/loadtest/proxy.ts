// An in-process TCP proxy that cuts connections the way networks do, for the jitter mode of the
// load generator and for the recovery tests. A `clean` cut closes both sides: the gateway sees
// the TCP close at once. A `half-open` cut closes the client's side only and keeps the
// gateway's side open and silent (what it sends is read and dropped, nothing comes back), as
// after a WiFi hand-off or a mobile network change: the gateway learns of it only when its
// heartbeat times out. Each connection is tagged by a query parameter of its first HTTP request
// (`?cut-tag=client-7`), so one client's connections can be cut and not its neighbours'.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

export type CutMode = 'clean' | 'half-open'

export interface ProxyTarget { host: string, port: number }

/** The query parameter that names a connection's client. */
export const TAG_PARAM = 'cut-tag'

/** How long a half-open upstream is kept at most if the gateway never closes it. */
const HALF_OPEN_MAX_MS = 120_000

interface Pair { client: Socket, upstream: Socket, tag: string | undefined }

const TAG = new RegExp(`[?&]${TAG_PARAM}=([^&\\s]+)`)

export class CutProxy {
  readonly #server: Server
  readonly #pairs = new Set<Pair>()
  readonly #halfOpen = new Set<Socket>()
  /** Where new connections go; changing it moves later connections only (a load balancer's failover). */
  target: ProxyTarget

  private constructor (target: ProxyTarget) {
    this.target = target
    this.#server = createServer((client) => this.#accept(client))
  }

  /** Listens on an ephemeral port of 127.0.0.1. */
  static async listen (target: ProxyTarget): Promise<CutProxy> {
    const proxy = new CutProxy(target)
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  get port (): number {
    return (this.#server.address() as AddressInfo).port
  }

  get url (): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Open connections, with their tags (undefined until the first request arrived). */
  get connections (): number {
    return this.#pairs.size
  }

  /** Upstream connections kept open and silent by half-open cuts, not yet closed by the gateway. */
  get halfOpen (): number {
    return this.#halfOpen.size
  }

  /** Cuts the open connections tagged `tag` (every one when undefined); returns how many. */
  cut (tag: string | undefined, mode: CutMode): number {
    let n = 0
    for (const pair of this.#pairs) {
      if (tag !== undefined && pair.tag !== tag) continue
      n++
      this.#pairs.delete(pair)
      pair.client.unpipe(pair.upstream)
      pair.upstream.unpipe(pair.client)
      pair.client.destroy()
      if (mode === 'clean') pair.upstream.destroy()
      else this.#silence(pair.upstream)
    }
    return n
  }

  async close (): Promise<void> {
    this.cut(undefined, 'clean')
    for (const upstream of this.#halfOpen) upstream.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept (client: Socket): void {
    const upstream = createConnection(this.target)
    const pair: Pair = { client, upstream, tag: undefined }
    this.#pairs.add(pair)
    const drop = (): void => {
      if (!this.#pairs.delete(pair)) return
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.once('data', (first: Buffer) => {
      pair.tag = TAG.exec(first.subarray(0, 2048).toString('latin1'))?.[1]
      if (!this.#pairs.has(pair)) return
      upstream.write(first)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  }

  /** Reads and drops what the gateway still sends, answers nothing, until the gateway closes. */
  #silence (upstream: Socket): void {
    this.#halfOpen.add(upstream)
    upstream.removeAllListeners('data')
    upstream.on('data', () => {})
    upstream.resume()
    const timer = setTimeout(() => upstream.destroy(), HALF_OPEN_MAX_MS).unref()
    upstream.once('close', () => {
      clearTimeout(timer)
      this.#halfOpen.delete(upstream)
    })
  }
}
