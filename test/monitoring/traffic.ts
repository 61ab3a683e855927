// Shared by test/monitoring/prometheus.test.ts and drill.test.ts: representative traffic on a
// live in-process gateway, so that every dashboard panel has data: connects over both transports,
// events with acks, server-to-client acks, a ping timeout, an auth refusal, an unknown session,
// publish-API calls, admin UI logins and an operator action.
import bcrypt from 'bcryptjs'
import { io as ioc } from 'socket.io-client'
import WebSocket from 'ws'
import type { Test } from 'tap'
import { HandshakeError, SocketErrorCode } from '../../src/errors.js'
import { noAuth, type Authenticate } from '../../src/realtime/auth.js'
import { connectClient, nextEvent, type TestGateway } from '../../src/testing.js'
import type { GatewayClient } from '../../src/client.js'
import type { GatewayOptions } from '../../src/index.js'

export const KEY = 'monitoring-test-publish-key'
// Refuses one name, so the test can produce an auth refusal on demand.
export const authenticate: Authenticate = async (handshake) => {
  if (handshake.auth.name === 'intruder') throw new HandshakeError(SocketErrorCode.AuthInvalid, 'intruders are refused')
  return noAuth(handshake)
}

/** Opens a raw engine.io WebSocket, joins "/" and then never answers a ping; resolves on close. */
async function pingTimeout (gw: TestGateway): Promise<void> {
  const ws = new WebSocket(gw.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  const joined = new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send('40')
      else if (text.startsWith('40')) resolve()
      else if (text.startsWith('44')) reject(new Error(`connect refused: ${text}`))
    })
    ws.once('error', reject)
  })
  await joined
  await closed
}

export const ADMIN_PASSWORD = 'monitoring test operator'

/** Resolves once logged in to the admin UI (its first `config` event); rejects on connect_error. */
async function connectAdmin (t: Test, gw: TestGateway, password: string) {
  const admin = ioc(`${gw.url}/admin`, { auth: { username: 'admin', password }, transports: ['websocket'], reconnection: false, forceNew: true })
  t.teardown(() => { admin.disconnect() })
  await new Promise((resolve, reject) => {
    admin.once('config', resolve)
    admin.once('connect_error', reject)
  })
  return admin
}

/** Drives the traffic; resolves with a client left in room "lobby". */
export async function traffic (t: Test, gw: TestGateway): Promise<GatewayClient> {
  // WebSocket, polling-only, and polling that upgrades; two namespaces.
  const ws = await connectClient(t, gw, { auth: { name: 'ada' } })
  const chat = await connectClient(t, gw, { nsp: '/chat' })
  const polling = await connectClient(t, gw, { transports: ['polling'] })
  const upgrading = await connectClient(t, gw, { transports: ['polling', 'websocket'] })
  if (upgrading.io.engine.transport.name !== 'websocket') {
    await new Promise((resolve) => upgrading.io.engine.once('upgrade', resolve))
  }
  // A reconnection asking for a session this node does not know: not recovered.
  await connectClient(t, gw, { auth: { pid: 'unknown-session', offset: '0-0' } })

  // Client → server events with acks: joins, a broadcast, a refused payload, a leave.
  t.same(await ws.timeout(2000).emitWithAck('room:join', 'lobby'), { ok: true })
  await polling.timeout(2000).emitWithAck('room:join', 'lobby')
  t.match(await ws.timeout(2000).emitWithAck('message:send', { content: 'hello', room: 'lobby' }), { ok: true })
  t.match(await ws.timeout(2000).emitWithAck('message:send', { content: '' }), { ok: false, error: { code: 'SG_INVALID_PAYLOAD' } })
  t.same(await polling.timeout(2000).emitWithAck('room:leave', 'lobby'), { ok: true })

  // Server → client acks: one answered, one left to time out.
  const probe = (client: GatewayClient): void => {
    (client as unknown as { on: (e: string, fn: (ack: (v: string) => void) => void) => void }).on('probe', (ack) => ack('here'))
  }
  probe(ws)
  // The gateway's typed events have no server → client acks of their own: an application's would.
  type Probe = { timeout: (ms: number) => { emitWithAck: (event: string) => Promise<unknown> } }
  const serverSide = (nsp: string, client: GatewayClient) => gw.io.of(nsp).sockets.get(client.id!) as unknown as Probe
  t.equal(await serverSide('/', ws).timeout(2000).emitWithAck('probe'), 'here')
  await t.rejects(serverSide('/chat', chat).timeout(100).emitWithAck('probe'), /operation has timed out/)

  // Refusals: an auth refusal, an engine.io request for a session that does not exist.
  await t.rejects(connectClient(t, gw, { auth: { name: 'intruder' } }), { message: 'intruders are refused', data: { code: 'SG_AUTH_INVALID' } })
  const unknownSid = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling&sid=nope`)
  t.equal(unknownSid.status, 400)
  await pingTimeout(gw)

  // Publish API: delivered, wrong key, bad body.
  const publish = (key: string, body: unknown) => fetch(`${gw.url}/api/v1/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  t.equal((await publish(KEY, { room: 'lobby', event: 'news', data: { n: 1 } })).status, 200)
  t.equal((await publish('wrong-key-wrong-key', { event: 'news' })).status, 401)
  t.equal((await publish(KEY, { event: 'news', colour: 'red' })).status, 400)

  // Admin UI: a refused login, and an operator disconnecting a client.
  await t.rejects(connectAdmin(t, gw, 'a wrong guess'), { message: 'invalid credentials' })
  const operator = await connectAdmin(t, gw, ADMIN_PASSWORD)
  const gone = nextEvent(upgrading, 'disconnect')
  operator.emit('_disconnect', '/', false, upgrading.id)
  t.match(await gone, ['io server disconnect'])

  // A client leaving: disconnect reason and connection duration.
  polling.disconnect()
  return ws
}


/** Gateway options the traffic needs: short heartbeats, the publish key, /chat, an admin password, the auth that refuses "intruder". */
export async function trafficOptions (): Promise<GatewayOptions> {
  return {
    // Short heartbeats so the heartbeat histogram fills and a silent client times out quickly.
    pingIntervalMs: 200,
    pingTimeoutMs: 300,
    publishApiKey: KEY,
    namespaces: ['/chat'],
    // Bcrypt's minimum cost: the test checks counting, not hashing.
    adminPasswordHash: await bcrypt.hash(ADMIN_PASSWORD, 4),
    authenticate
  }
}
