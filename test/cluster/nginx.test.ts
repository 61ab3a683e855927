// Behind deploy/nginx.conf: ip_hash keeps each polling client on one node by its address,
// WebSocket upgrades pass through, the client's address reaches the gateway in X-Forwarded-For,
// and a killed node's clients fail over to the others.
import bcrypt from 'bcryptjs'
import t, { type Test } from 'tap'
import { Agent } from 'node:http'
import { connectClient, nextEvent } from '../../src/testing.js'
import type { ClientOptions, GatewayClient } from '../../src/client.js'
import { loggedAddresses, nodeOf, SHARED_REDIS, startCluster, startNginx, staysOnItsNode, uniquePrefix, waitFor, type Node } from './helpers.js'

/**
 * Client options whose connections leave from `address`: ip_hash hashes the client's address,
 * and every address of 127/8 reaches the loopback interface. engine.io-client hands `agent` to
 * http.request (polling) and to ws, though its declared type (string | boolean) omits http.Agent.
 */
const from = (address: string): ClientOptions => ({ agent: new Agent({ localAddress: address }) as unknown as string })

// ip_hash hashes the first three octets of an IPv4 address, the same way on every run: these
// spread the polling clients over node-a and node-b (127.0.1.2 shares 127.0.1.1's /24, so its
// node), and leave node-c to the WebSocket client (127.0.3.1).
const POLLING = ['127.0.1.1', '127.0.2.1', '127.0.4.1', '127.0.5.1', '127.0.7.1', '127.0.1.2']
const WEBSOCKET = '127.0.3.1'
const RECONNECT = { reconnection: true, reconnectionDelay: 500, randomizationFactor: 0 }

/** Kills `victim`; resolves with the attempt at which each of its clients got back in through nginx. */
async function failover (t: Test, victim: Node, orphans: GatewayClient[]): Promise<number[]> {
  const gone = orphans.map((c) => nextEvent<[string]>(c, 'disconnect', 3000))
  const back = orphans.map((c) => nextEvent(c, 'connect', 5000))
  const attempts: number[] = []
  for (const c of orphans) c.io.once('reconnect', (attempt) => { attempts.push(attempt) })
  await victim.kill()
  for (const [reason] of await Promise.all(gone)) t.match(reason, /transport (error|close)/)
  await Promise.all(back)
  return attempts
}

t.test('clients behind nginx (ip_hash)', async (t) => {
  const nodes = await startCluster(t, ['node-a', 'node-b', 'node-c'], {
    redisUrl: SHARED_REDIS,
    prefix: uniquePrefix(),
    // The admin UI for its refused-login line, the one Socket.IO-side log with an address.
    env: { TRUST_PROXY: 'true', ADMIN_UI: 'true', ADMIN_PASSWORD_HASH: await bcrypt.hash('correct horse battery staple', 4) }
  })
  const lb = await startNginx(t, nodes)
  const clients: GatewayClient[] = []
  for (const [i, address] of POLLING.entries()) {
    const client = await connectClient(t, lb, { transports: ['polling'], ...RECONNECT, ...from(address) })
    t.same(await client.timeout(3000).emitWithAck('room:join', `client-${i}`), { ok: true })
    clients.push(client)
  }
  const unexpected: string[] = []
  clients.forEach((c, i) => c.on('disconnect', (reason) => unexpected.push(`client-${i}: ${reason}`)))

  const homes = await Promise.all(clients.map((_c, i) => nodeOf(nodes, `client-${i}`)))
  t.same([...new Set(homes.map((n) => n.name))].sort(), ['node-a', 'node-b'], 'clients from five /24 networks are spread over two nodes')
  t.equal(homes[5], homes[0], '127.0.1.2 lands on the node of 127.0.1.1 (same /24)')

  await t.test('each polling client stays on its node across many requests and works end to end', (t) => staysOnItsNode(t, nodes, clients, homes, unexpected))

  const ws = await connectClient(t, lb, { transports: ['polling', 'websocket'], ...RECONNECT, ...from(WEBSOCKET) })

  await t.test('a client upgrades to WebSocket through nginx', async (t) => {
    await waitFor('the upgrade to websocket', () => ws.io.engine.transport.name === 'websocket' ? true : undefined, 5000)
    t.same(await ws.timeout(3000).emitWithAck('room:join', 'ws'), { ok: true })
    t.equal((await nodeOf(nodes, 'ws')).name, 'node-c')
    t.equal(ws.io.engine.transport.name, 'websocket')
  })

  await t.test('the gateway sees the client\'s address, not the X-Forwarded-For the client sent', async (t) => {
    // Fastify logs each request with request.ip, which TRUST_PROXY takes from X-Forwarded-For.
    const seen = await loggedAddresses(lb, nodes, '127.0.8.1')
    t.same(seen, ['127.0.8.1'])
  })

  await t.test('Socket.IO sees it too: a refused admin login is logged with the client\'s address, not the one it sent', async (t) => {
    await t.rejects(connectClient(t, lb, {
      nsp: '/admin', auth: { username: 'admin', password: 'wrong' }, extraHeaders: { 'x-forwarded-for': '203.0.113.9' }, ...from('127.0.9.1')
    }), { message: 'invalid credentials' })
    const seen = await waitFor('the refusal in a node\'s log', () => {
      const lines = nodes.flatMap((n) => n.output().split('\n')).filter((l) => l.includes('admin UI login refused'))
      return lines.length > 0 ? lines.map((l) => JSON.parse(l).address) : undefined
    }, 2000)
    t.same(seen, ['127.0.9.1'])
  })

  await t.test('a node nginx has not seen fail yet: the first request to it is passed to another node', async (t) => {
    // A WebSocket's end does not count as a failed request, so nginx still hashes the client to
    // node-c: without proxy_next_upstream the reconnection would get a 502 and try again.
    t.same(await failover(t, nodes[2]!, [ws]), [1], 'the client reconnected at its first attempt')
    t.same(await ws.timeout(3000).emitWithAck('room:join', 'ws'), { ok: true })
    t.not((await nodeOf(nodes, 'ws')).name, 'node-c')
  })

  await t.test('a node killed with SIGKILL: its polling clients reconnect through nginx to the node left', async (t) => {
    const orphans = [...clients.entries()].filter(([i]) => homes[i] === nodes[0])
    t.same(await failover(t, nodes[0]!, orphans.map(([, c]) => c)), orphans.map(() => 1), 'each reconnected at its first attempt')
    for (const [i, c] of orphans) {
      // A new session (no CONNECTION_RECOVERY): it joins its room again, through its new node.
      t.same(await c.timeout(3000).emitWithAck('room:join', `client-${i}`), { ok: true })
      t.equal((await nodeOf(nodes, `client-${i}`)).name, 'node-b')
    }
    const all = clients.map((c) => nextEvent<[{ content: string }]>(c, 'message:new', 3000))
    t.equal((await orphans[0]![1].timeout(3000).emitWithAck('message:send', { content: 'after failover' })).ok, true)
    for (const [msg] of await Promise.all(all)) t.equal(msg.content, 'after failover')
  })
})

