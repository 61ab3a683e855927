// CORS_ORIGINS enforced on every engine.io request: polling handshakes, polling requests of a live
// session and WebSocket upgrades, with raw HTTP and raw `ws` where the protocol matters.
import { request } from 'node:http'
import t from 'tap'
import WebSocket from 'ws'
import { createClient } from '../src/client.js'
import { connectClient, startGateway, type TestGateway } from '../src/testing.js'
import { scrape, value } from './metrics/helpers.js'

const GOOD = 'https://good.example'
const EVIL = 'https://evil.example'

interface Reply { status: number, body: string }

function http (gw: TestGateway, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const { port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode!, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const handshake = (gw: TestGateway, headers: Record<string, string> = {}) =>
  http(gw, 'GET', '/socket.io/?EIO=4&transport=polling', headers)

const sidOf = (reply: Reply): string => (JSON.parse(reply.body.slice(1)) as { sid: string }).sid

/** Opens a raw WebSocket: resolves 'open', or the HTTP status and body of a refused upgrade. */
function upgrade (gw: TestGateway, headers: Record<string, string> = {}, sid?: string): Promise<{ open: true, ws: WebSocket } | { open: false, status: number, body: string }> {
  const url = gw.url.replace('http', 'ws') + `/socket.io/?EIO=4&transport=websocket${sid ? `&sid=${sid}` : ''}`
  const ws = new WebSocket(url, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ open: true, ws }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ open: false, status: res.statusCode!, body }))
    })
    ws.once('error', (err) => { if (!String(err.message).includes('Unexpected server response')) reject(err) })
  })
}

t.test('CORS_ORIGINS set: an evil origin is refused on both transports, the listed one and Origin-less clients connect', async (t) => {
  const gw = await startGateway(t, { corsOrigins: [GOOD] })

  const evilPoll = await handshake(gw, { origin: EVIL })
  t.equal(evilPoll.status, 403, 'polling handshake from an evil origin: 403')
  t.same(JSON.parse(evilPoll.body).error.code, 'SG_ORIGIN_FORBIDDEN')
  t.match(JSON.parse(evilPoll.body).error.message, `Origin ${EVIL} is not allowed to connect; expected one of CORS_ORIGINS (${GOOD})`)

  const evilWs = await upgrade(gw, { origin: EVIL })
  t.equal(evilWs.open, false, 'WebSocket from an evil origin: not opened')
  if (!evilWs.open) {
    t.equal(evilWs.status, 403)
    t.match(evilWs.body, /SG_ORIGIN_FORBIDDEN/)
  }

  // A session opened by the good origin: its later requests must carry an allowed origin too.
  const goodPoll = await handshake(gw, { origin: GOOD })
  t.equal(goodPoll.status, 200, 'polling handshake from the listed origin')
  const sid = sidOf(goodPoll)
  const evilPost = await http(gw, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, { origin: EVIL, 'content-type': 'text/plain' }, '40')
  t.equal(evilPost.status, 403, 'a polling POST into that session from an evil origin: 403')
  const evilUpgrade = await upgrade(gw, { origin: EVIL }, sid)
  t.equal(evilUpgrade.open, false, 'and its upgrade from an evil origin is refused')
  const goodPost = await http(gw, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, { origin: GOOD, 'content-type': 'text/plain' }, '40')
  t.equal(goodPost.status, 200, 'the same POST from the good origin passes')

  const goodWs = await upgrade(gw, { origin: GOOD })
  t.equal(goodWs.open, true, 'WebSocket from the listed origin opens')
  if (goodWs.open) goodWs.ws.close()

  // Whole clients: the listed origin over polling then upgrade, an Origin-less one over WebSocket.
  const browserLike = await connectClient(t, gw, { transports: ['polling', 'websocket'], extraHeaders: { origin: GOOD } })
  if (browserLike.io.engine.transport.name !== 'websocket') await new Promise<void>((resolve) => browserLike.io.engine.once('upgrade', () => resolve()))
  t.equal(browserLike.io.engine.transport.name, 'websocket', 'the listed origin upgrades')
  const ack = await browserLike.timeout(2000).emitWithAck('message:send', { content: 'hello' })
  t.equal(ack.ok, true, 'and sends')
  const plain = await connectClient(t, gw)
  t.equal((await plain.timeout(2000).emitWithAck('message:send', { content: 'hi' })).ok, true, 'an Origin-less client connects and sends')
  const pollingOnly = await connectClient(t, gw, { transports: ['polling'] })
  t.ok(pollingOnly.connected, 'an Origin-less polling client connects')

  const evilClient = createClient(gw.url, { transports: ['polling'], reconnection: false, forceNew: true, extraHeaders: { origin: EVIL } })
  t.teardown(() => { evilClient.disconnect() })
  const err = await new Promise<Error & { description?: unknown }>((resolve) => evilClient.once('connect_error', resolve))
  t.match(err, { message: /xhr poll error/ }, 'a Socket.IO client from the evil origin gets connect_error')

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_limits_exceeded_total', { limit: 'origin' }), 5, 'every refusal counted: the handshake, the WebSocket, the POST, the upgrade, the client')
})

t.test('CORS_ORIGINS unset: same origin only, by the Host header (or X-Forwarded-Host/-Proto with TRUST_PROXY)', async (t) => {
  const gw = await startGateway(t)
  const { host } = new URL(gw.url)
  t.equal((await handshake(gw, { origin: `http://${host}` })).status, 200, 'the gateway\'s own origin')
  t.equal((await handshake(gw, { origin: `http://${host}`, host: `${host.split(':')[0]}:${host.split(':')[1]}` })).status, 200)
  t.equal((await handshake(gw, {})).status, 200, 'no Origin')
  const other = await handshake(gw, { origin: EVIL })
  t.equal(other.status, 403, 'another origin')
  t.match(JSON.parse(other.body).error.message, /not this gateway's origin, and CORS_ORIGINS is not set \(same origin only\)/)
  t.equal((await handshake(gw, { origin: `http://localhost:${new URL(gw.url).port}` })).status, 403, 'same port, another host name')
  t.equal((await handshake(gw, { origin: 'http://127.0.0.1:1' })).status, 403, 'same host, another port')
  t.equal((await handshake(gw, { origin: 'null' })).status, 403, 'an opaque origin ("null")')
  t.equal((await handshake(gw, { origin: 'https://public.example', 'x-forwarded-host': 'public.example', 'x-forwarded-proto': 'https' })).status, 403,
    'without TRUST_PROXY, X-Forwarded-Host is the client\'s word and ignored')
  t.equal((await upgrade(gw, { origin: EVIL })).open, false, 'an evil WebSocket')
  const own = await upgrade(gw, { origin: `http://${host}` })
  t.equal(own.open, true, 'a same-origin WebSocket')
  if (own.open) own.ws.close()
  // The default port the Origin leaves out may be in the Host header.
  t.equal((await handshake(gw, { origin: 'http://app.example', host: 'app.example:80' })).status, 200, 'Host with the default port')

  const proxied = await startGateway(t, { trustProxy: true })
  const behind = { 'x-forwarded-host': 'public.example', 'x-forwarded-proto': 'https' }
  t.equal((await handshake(proxied, { origin: 'https://public.example', ...behind })).status, 200, 'TRUST_PROXY: the forwarded host and scheme')
  t.equal((await handshake(proxied, { origin: 'http://public.example', ...behind })).status, 403, 'TRUST_PROXY: the scheme must match too')
  t.equal((await handshake(proxied, { origin: EVIL, ...behind })).status, 403, 'TRUST_PROXY: another origin')
  t.equal((await upgrade(proxied, { origin: 'https://public.example', ...behind })).open, true, 'TRUST_PROXY: a WebSocket through the proxy')
})

t.test('CORS_ORIGINS=* lets every origin connect', async (t) => {
  const gw = await startGateway(t, { corsOrigins: ['*'] })
  t.equal((await handshake(gw, { origin: EVIL })).status, 200)
  const ws = await upgrade(gw, { origin: EVIL })
  t.equal(ws.open, true)
  if (ws.open) ws.ws.close()
})
