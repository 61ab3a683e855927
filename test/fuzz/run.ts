// Drives the cases of cases.ts against a gateway over raw WebSocket and raw long-polling
// connections, reopening a connection whenever the gateway closed it (which most bad input
// rightly earns). Shared by test/fuzz.test.ts and bench/fuzz.ts.
import { request } from 'node:http'
import WebSocket from 'ws'
import { makeCase, prng, type Case, type Frame } from './cases.js'

export interface FuzzOptions {
  url: string
  seed: number
  cases: number
  /** Bytes of the huge-string cases: near the gateway's MAX_HTTP_BUFFER_SIZE. */
  hugeBytes: number
  /** Called every `every` cases, awaited: the well-behaved clients' turn. */
  between?: { every: number, fn: (done: number) => Promise<void> }
}

export interface FuzzReport {
  byKind: Record<string, number>
  wsConnections: number
  pollingSessions: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

class WsAttacker {
  ws: WebSocket | undefined
  opened = 0

  constructor (private readonly url: string) {}

  async #open (): Promise<WebSocket> {
    this.opened++
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
    ws.on('error', () => {})
    ws.on('message', (m: Buffer, binary: boolean) => { if (!binary && m.toString() === '2' && ws.readyState === ws.OPEN) ws.send('3') })
    await new Promise<void>((resolve) => {
      ws.once('message', () => resolve())
      ws.once('close', () => resolve())
    })
    if (ws.readyState === ws.OPEN) ws.send('40')
    return ws
  }

  async send (frames: Frame[]): Promise<void> {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) this.ws = await this.#open()
    for (const f of frames) {
      if (this.ws.readyState !== WebSocket.OPEN) return
      this.ws.send(f.data, { binary: f.binary })
    }
  }

  close (): void { this.ws?.terminate() }
}

function http (url: string, method: string, path: string, body?: Buffer): Promise<{ status: number, body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const req = request({ host: hostname, port, method, path, headers: body ? { 'content-type': 'text/plain;charset=UTF-8' } : {} }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode!, body: text }))
      res.on('error', () => resolve({ status: 0, body: '' }))
    })
    req.on('error', () => resolve({ status: 0, body: '' }))
    req.end(body)
  })
}

class PollingAttacker {
  sid: string | undefined
  opened = 0
  #closing = false

  constructor (private readonly url: string) {}

  async #open (): Promise<string | undefined> {
    this.opened++
    const res = await http(this.url, 'GET', '/socket.io/?EIO=4&transport=polling')
    if (res.status !== 200) return undefined
    const sid = (JSON.parse(res.body.slice(1)) as { sid: string }).sid
    await http(this.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, Buffer.from('40'))
    // One long poll at a time, for the session's life: it drains what the gateway answers.
    void (async () => {
      while (!this.#closing && this.sid === sid) {
        const got = await http(this.url, 'GET', `/socket.io/?EIO=4&transport=polling&sid=${sid}`)
        if (got.status !== 200) break
        // Pings arrive through the poll; answering keeps the session, as a live client would.
        if (got.body.split('\x1e').includes('2')) await http(this.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, Buffer.from('3'))
      }
      if (this.sid === sid) this.sid = undefined
    })()
    return sid
  }

  async send (frames: Frame[]): Promise<void> {
    this.sid ??= await this.#open()
    if (!this.sid) return
    // Polling carries binary as "b" + base64; a "binary" frame sent raw is invalid text instead.
    const parts = frames.map((f) => typeof f.data === 'string' ? Buffer.from(f.data) : f.binary ? Buffer.from('b' + f.data.toString('base64')) : f.data)
    const body = Buffer.concat(parts.flatMap((p, i) => i === 0 ? [p] : [Buffer.from('\x1e'), p]))
    const res = await http(this.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${this.sid}`, body)
    if (res.status !== 200) this.sid = undefined
  }

  async close (): Promise<void> {
    this.#closing = true
    if (this.sid) await http(this.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${this.sid}`, Buffer.from('1'))
    this.sid = undefined
  }
}

export async function runFuzz (opts: FuzzOptions): Promise<FuzzReport> {
  const r = prng(opts.seed)
  const ws = [new WsAttacker(opts.url), new WsAttacker(opts.url)]
  const polling = new PollingAttacker(opts.url)
  const byKind: Record<string, number> = {}
  for (let i = 0; i < opts.cases; i++) {
    const c: Case = makeCase(r, opts.hugeBytes)
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1
    // Two cases in three over WebSocket, one over polling (slower per request).
    if (i % 3 === 2) await polling.send(c.frames)
    else await ws[i % 3]!.send(c.frames)
    if (i % 50 === 49) await sleep(1)
    if (opts.between && i % opts.between.every === opts.between.every - 1) await opts.between.fn(i + 1)
  }
  for (const a of ws) a.close()
  await polling.close()
  return { byKind, wsConnections: ws[0]!.opened + ws[1]!.opened, pollingSessions: polling.opened }
}
