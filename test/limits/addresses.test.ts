// Per-address limits (IP_MAX_CONNECTIONS, IP_HANDSHAKE_RATE/IP_HANDSHAKE_BURST) on both
// transports, the CONNECT `auth` size cap (AUTH_MAX_BYTES), and the bound on an unfinished
// WebSocket message or HTTP body (PARTIAL_MESSAGE_TIMEOUT_MS), with raw clients. TRUST_PROXY
// lets one test process speak for several addresses through X-Forwarded-For.
import { once } from 'node:events'
import { request } from 'node:http'
import t from 'tap'
import WebSocket from 'ws'
import { connectClient, startGateway, type TestGateway } from '../../src/testing.js'
import { closed, limitCount, rawSocket } from './helpers.js'

const wsFrom = (gw: TestGateway, ip: string) => new WebSocket(`${gw.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { 'x-forwarded-for': ip } })

/** Opens a WebSocket from `ip`; resolves with it once open, or with the refusal's status and body. */
async function openFrom (t: { teardown: (fn: () => void) => void }, gw: TestGateway, ip: string): Promise<WebSocket | { status: number, body: string }> {
  const ws = wsFrom(gw, ip)
  t.teardown(() => { ws.terminate() })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', reject)
  })
}

const pollFrom = async (gw: TestGateway, ip: string) => fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { 'x-forwarded-for': ip } })

t.test('IP_MAX_CONNECTIONS: one address is refused past its cap on both transports; another is not', async (t) => {
  const gw = await startGateway(t, { trustProxy: true, ipMaxConnections: 3 })
  const held: WebSocket[] = []
  for (let i = 0; i < 2; i++) held.push(await openFrom(t, gw, '10.0.0.1') as WebSocket)
  t.equal((await pollFrom(gw, '10.0.0.1')).status, 200, 'the third, over polling')
  const refused = await openFrom(t, gw, '10.0.0.1')
  // engine.io refuses every upgrade with 400, the reason in the body.
  t.match(refused, { status: 400, body: /too many connections from your address: 3 open, at most 3/ }, 'the fourth WebSocket: refused with the reason')
  const polling = await pollFrom(gw, '10.0.0.1')
  t.equal(polling.status, 403, 'the fourth over polling: 403')
  t.match(await polling.text(), /IP_MAX_CONNECTIONS/)
  t.type(await openFrom(t, gw, '10.0.0.2'), WebSocket, 'another address connects')
  t.equal(await limitCount(gw, 'ip_connections'), 2, 'counted as ip_connections')
  held[0]!.close()
  await once(held[0]!, 'close')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.type(await openFrom(t, gw, '10.0.0.1'), WebSocket, 'once one closed, the address may connect again')
})

t.test('IP_MAX_CONNECTIONS=0 and IP_HANDSHAKE_RATE=0 turn the per-address limits off (a load test from one machine)', async (t) => {
  const gw = await startGateway(t, { trustProxy: true, ipMaxConnections: 0, ipHandshakeRate: 0, ipHandshakeBurst: 1 })
  const held: WebSocket[] = []
  for (let i = 0; i < 5; i++) held.push(await openFrom(t, gw, '10.0.0.1') as WebSocket)
  t.ok(held.every((ws) => ws instanceof WebSocket), 'five WebSockets from one address, past a burst of 1')
  for (let i = 0; i < 5; i++) t.equal((await pollFrom(gw, '10.0.0.1')).status, 200, `polling handshake ${i + 1}`)
  t.equal(await limitCount(gw, 'ip_connections') + await limitCount(gw, 'ip_handshake_rate'), 0, 'nothing refused')
})

t.test('IP_HANDSHAKE_RATE: past the burst, new connections from one address wait for the rate', async (t) => {
  const gw = await startGateway(t, { trustProxy: true, ipHandshakeRate: 1, ipHandshakeBurst: 3 })
  for (let i = 0; i < 3; i++) t.equal((await pollFrom(gw, '10.0.0.1')).status, 200, `handshake ${i + 1} of the burst`)
  const refused = await pollFrom(gw, '10.0.0.1')
  t.equal(refused.status, 403)
  t.match(await refused.text(), /too many new connections from your address: at most 1 a second \(IP_HANDSHAKE_RATE\); retry in \d+ ms/)
  t.match(await openFrom(t, gw, '10.0.0.1'), { status: 400, body: /IP_HANDSHAKE_RATE/ }, 'over WebSocket too')
  t.equal((await pollFrom(gw, '10.0.0.9')).status, 200, 'another address is not affected')
  t.equal(await limitCount(gw, 'ip_handshake_rate'), 2)
})

t.test('without TRUST_PROXY, X-Forwarded-For is ignored: the TCP peer is the address', async (t) => {
  const gw = await startGateway(t, { ipMaxConnections: 1 })
  t.type(await openFrom(t, gw, '10.0.0.1'), WebSocket)
  t.match(await openFrom(t, gw, '10.0.0.2'), { status: 400, body: /IP_MAX_CONNECTIONS/ }, 'a different header does not make a different address')
})

t.test('AUTH_MAX_BYTES: a large CONNECT auth is refused with SG_AUTH_TOO_LARGE; a small one connects', async (t) => {
  const gw = await startGateway(t, { authMaxBytes: 256 })
  await t.rejects(connectClient(t, gw, { auth: { token: 'x'.repeat(1000) } }), { message: /larger than 256 bytes \(AUTH_MAX_BYTES\)/, data: { code: 'SG_AUTH_TOO_LARGE' } })
  // Deep nesting costs no more than its size: refused without walking it all.
  let deep: unknown = 'x'
  for (let i = 0; i < 1000; i++) deep = [deep]
  await t.rejects(connectClient(t, gw, { auth: { deep } }), { message: /AUTH_MAX_BYTES/, data: { code: 'SG_AUTH_TOO_LARGE' } })
  const ok = await connectClient(t, gw, { auth: { name: 'alice', token: 'x'.repeat(100) } })
  t.ok(ok.connected, 'a small auth connects')
  t.equal(await limitCount(gw, 'auth_size'), 2)
  t.equal(gw.io.of('/').sockets.size, 1)
})

t.test('PARTIAL_MESSAGE_TIMEOUT_MS: a WebSocket frame left unfinished is cut off; finished ones are not', async (t) => {
  const gw = await startGateway(t, { partialMessageTimeoutMs: 300, pingIntervalMs: 100, pingTimeoutMs: 5000 })
  const good = await rawSocket(t, gw)
  const { ws } = await rawSocket(t, gw)
  // A masked text frame announcing 10 000 bytes, and 5 000 of them: ws holds them, waiting.
  const header = Buffer.from([0x81, 0xfe, 0x27, 0x10, 0, 0, 0, 0])
  ;(ws as unknown as { _socket: { write: (b: Buffer) => void } })._socket.write(Buffer.concat([header, Buffer.alloc(5000, 0x61)]))
  const started = Date.now()
  await closed(ws, 3000)
  const took = Date.now() - started
  // The upper bound leaves room for a loaded CI machine; without the bound it would be ws's 30 s or never.
  t.ok(took >= 250 && took < 2500, `cut off after ${took} ms (timeout 300 ms, swept every 150 ms)`)
  t.equal(await limitCount(gw, 'partial_message'), 1, 'counted as partial_message')
  t.equal(good.ws.readyState, WebSocket.OPEN, 'a client sending whole messages (pongs) stays')
})

t.test('PARTIAL_MESSAGE_TIMEOUT_MS: a polling POST whose body never finishes is cut off', async (t) => {
  const gw = await startGateway(t, { partialMessageTimeoutMs: 300 })
  const open = await (await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)).text()
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const { port } = new URL(gw.url)
  const req = request({ port, host: '127.0.0.1', method: 'POST', path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`, headers: { 'content-type': 'text/plain', 'content-length': 10_000 } })
  req.on('error', () => {})
  req.write('4'.repeat(5000))
  const started = Date.now()
  await new Promise((resolve) => req.once('close', resolve))
  const took = Date.now() - started
  t.ok(took >= 250 && took < 2500, `the connection is closed after ${took} ms (timeout 300 ms)`)
  t.equal(await limitCount(gw, 'partial_message'), 1, 'counted as partial_message')
  req.destroy()
})
