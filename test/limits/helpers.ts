// Shared by test/limits/*.test.ts: raw engine.io/Socket.IO clients over `ws` and over HTTP
// long-polling, whose every packet the test decides, and the limits counter.
import { once } from 'node:events'
import WebSocket from 'ws'
import type { TestGateway } from '../../src/testing.js'
import { scrape, value } from '../metrics/helpers.js'

export async function limitCount (gw: TestGateway, limit: string): Promise<number> {
  return value(await scrape(gw), 'socketgate_limits_exceeded_total', { limit })
}

const wsUrl = (gw: TestGateway, query = '') => `${gw.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket${query}`

/**
 * A raw WebSocket client joined to "/" (CONNECT with `auth`), answering pings unless told not to.
 * Resolves once the namespace CONNECT is acknowledged; `messages` collects every text frame.
 */
export async function rawSocket (t: { teardown: (fn: () => void) => void }, gw: TestGateway, opts: { auth?: unknown, answerPings?: boolean } = {}): Promise<{ ws: WebSocket, messages: string[] }> {
  const ws = new WebSocket(wsUrl(gw))
  t.teardown(() => { ws.terminate() })
  const messages: string[] = []
  const connected = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const text = data.toString()
      messages.push(text)
      if (text.startsWith('0{')) ws.send(opts.auth === undefined ? '40' : `40${JSON.stringify(opts.auth)}`)
      else if (text.startsWith('40')) resolve()
      else if (text.startsWith('44')) reject(new Error(`connect_error: ${text}`))
      else if (text === '2' && opts.answerPings !== false) ws.send('3')
    })
    ws.once('error', reject)
    ws.once('close', () => reject(new Error('closed before CONNECT')))
  })
  await connected
  return { ws, messages }
}

export async function closed (ws: WebSocket, ms = 5000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return
  await Promise.race([once(ws, 'close'), new Promise((_r, reject) => setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms))])
}

/** A long-polling session: handshake, CONNECT to "/", then only what the test does. */
export async function pollingSession (gw: TestGateway): Promise<{ sid: string, url: string, post: (body: string) => Promise<Response>, poll: () => Promise<Response> }> {
  const base = `${gw.url}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const url = `${base}&sid=${sid}`
  const post = async (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } })
  const poll = async () => fetch(url)
  await post('40')
  // The CONNECT's answer ("40{sid}"), so the socket is in its room before the test goes on.
  const first = await (await poll()).text()
  if (!first.includes('40{')) throw new Error(`no CONNECT answer: ${first}`)
  return { sid, url, post, poll }
}
