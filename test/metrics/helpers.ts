// Shared by test/metrics/*.test.ts: read one gateway's registry, and a raw engine.io client whose
// every byte on the wire the test knows.
import WebSocket from 'ws'
import type { TestGateway } from '../../src/testing.js'

export interface Sample { labels: Record<string, string | number>, value: number, metricName?: string }
export type Scrape = Map<string, { type: string, values: Sample[] }>

export async function scrape (gw: TestGateway): Promise<Scrape> {
  const registry = gw.app.metrics.registry
  if (!registry) throw new Error('metrics are off on this gateway')
  const all = await registry.getMetricsAsJSON()
  return new Map(all.map((m) => [m.name, { type: String(m.type), values: m.values as Sample[] }]))
}

const matches = (sample: Sample, labels: Record<string, string | number>) =>
  Object.entries(labels).every(([k, v]) => String(sample.labels[k]) === String(v))

/** The value of a counter or gauge series (0 when the series does not exist yet). */
export function value (s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const found = s.get(name)?.values.filter((v) => v.metricName === undefined && matches(v, labels)) ?? []
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`)
  return found[0]?.value ?? 0
}

/** A histogram's cumulative bucket count at `le` ('+Inf' for all), or its _count/_sum. */
export function bucket (s: Scrape, name: string, le: number | '+Inf', labels: Record<string, string> = {}): number {
  const found = s.get(name)?.values.filter((v) => v.metricName === `${name}_bucket` && String(v.labels.le) === String(le) && matches(v, labels)) ?? []
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`)
  return found[0]?.value ?? 0
}

export function histogramCount (s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return s.get(name)?.values.find((v) => v.metricName === `${name}_count` && matches(v, labels))?.value ?? 0
}

/** Every series of the gateway's own families as `name{labels}`, sorted: a diff names what appeared. */
export function seriesNames (s: Scrape, prefix = 'socketgate_'): string[] {
  const names: string[] = []
  for (const [name, m] of s) {
    if (!name.startsWith(prefix)) continue
    for (const v of m.values) names.push(`${v.metricName ?? name}${JSON.stringify(v.labels)}`)
  }
  return names.sort()
}

/** Every series of the gateway's own families (process_/nodejs_ ones excluded). */
export function seriesCount (s: Scrape, prefix = 'socketgate_'): number {
  let n = 0
  for (const [name, m] of s) if (name.startsWith(prefix)) n += m.values.length
  return n
}

/**
 * A raw engine.io v4 client over `ws`: it counts the bytes of every message it sends and
 * receives, answers pings only if told to (after `pongDelayMs`), and waits for messages.
 */
export class RawClient {
  bytesIn = 0
  bytesOut = 0
  packetsIn = 0
  packetsOut = 0
  readonly #queue: string[] = []
  readonly #waiters: Array<{ test: (m: string) => boolean, resolve: (m: string) => void }> = []

  private constructor (readonly ws: WebSocket, private readonly pong: { answer: boolean, delayMs: number }) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.bytesIn += data.length
      this.packetsIn++
      const text = isBinary ? '' : data.toString('utf8')
      if (text === '2' && this.pong.answer) {
        setTimeout(() => { if (ws.readyState === ws.OPEN) this.send('3') }, this.pong.delayMs)
      }
      const i = this.#waiters.findIndex((w) => w.test(text))
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(text)
      else this.#queue.push(text)
    })
  }

  static async open (url: string, pong = { answer: true, delayMs: 0 }): Promise<RawClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
    const client = new RawClient(ws, pong)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    await client.next((m) => m.startsWith('0{'))
    return client
  }

  send (data: string | Buffer): void {
    this.bytesOut += typeof data === 'string' ? Buffer.byteLength(data) : data.length
    this.packetsOut++
    this.ws.send(data)
  }

  /** The next message (queued or to come) that passes `test`; rejects after `timeoutMs`. */
  next (test: (m: string) => boolean, timeoutMs = 3000): Promise<string> {
    const i = this.#queue.findIndex(test)
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!)
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (m: string) => { clearTimeout(timer); resolve(m) } }
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        reject(new Error(`no matching message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.push(waiter)
    })
  }

  closed (): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve()
    return new Promise((resolve) => this.ws.once('close', () => resolve()))
  }
}
