// Half-open takeover: a client whose network changed resumes (pid + offset) while the server
// still holds its old, silent connection. The resume takes the session over: the old socket and
// transport are closed, the id, rooms and data move to the new connection, and every message sent
// after the client's offset arrives once. On one node, and across two nodes with REDIS_URL.
// The half-open connection is made by src/loadtest/proxy.ts: the client's side is cut, the
// gateway's side stays open and silent.
import t, { type Test } from 'tap'
import { createClient, type GatewayClient } from '../../src/client.js'
import { CutProxy, type CutMode } from '../../src/loadtest/proxy.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import type { GatewayOptions } from '../../src/index.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from '../cluster/helpers.js'

// Long heartbeats: the old connection stays "connected" on the server throughout the test.
const QUIET: GatewayOptions = { pingIntervalMs: 20_000, pingTimeoutMs: 20_000, adminUi: false }

async function proxyTo (t: Test, gw: TestGateway): Promise<CutProxy> {
  const proxy = await CutProxy.listen({ host: '127.0.0.1', port: Number(new URL(gw.url).port) })
  t.teardown(() => proxy.close())
  return proxy
}

async function awayThrough (t: Test, proxy: CutProxy): Promise<GatewayClient> {
  const away = createClient(proxy.url, {
    transports: ['websocket'], forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 50, query: { 'cut-tag': 'away' }
  })
  t.teardown(() => { away.disconnect() })
  await nextEvent(away, 'session:ready')
  return away
}

/** Sends m1…m`count` to team-a from `peer`, one every 10 ms, cutting `away` with `mode` after the `cutAt`th. */
async function sendAndCut (peer: GatewayClient, proxy: CutProxy, mode: CutMode, count: number, cutAt: number, beforeCut = (): void => {}): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const ack = await peer.timeout(2000).emitWithAck('message:send', { content: `m${i}`, room: 'team-a' })
    if (!ack.ok) throw new Error(`m${i}: ${ack.error.code}`)
    if (i === cutAt) {
      beforeCut()
      proxy.cut('away', mode)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i + 1}`)

function received (away: GatewayClient): string[] {
  const seen: string[] = []
  away.on('message:new', (m) => { if (m.room === 'team-a') seen.push(m.content) })
  return seen
}

for (const mode of ['half-open', 'clean'] as const) {
  t.test(`one node: a client cut ${mode} resumes, keeps its id and rooms, and gets every message once`, async (t) => {
    const gw = await startGateway(t, QUIET)
    const proxy = await proxyTo(t, gw)
    const away = await awayThrough(t, proxy)
    const peer = await connectClient(t, gw)
    for (const c of [away, peer]) t.equal((await c.timeout(2000).emitWithAck('room:join', 'team-a')).ok, true)
    const id = away.id
    const seen = received(away)

    await sendAndCut(peer, proxy, mode, 60, 20)
    await waitFor('the last message', () => seen.includes('m60') ? true : undefined)
    t.same(seen, expected(60), 'every message, once, in order')
    t.equal(away.recovered, true)
    t.equal(away.id, id, 'same socket id')
    const server = gw.io.of('/')
    t.equal([...server.sockets.values()].filter((s) => s.id === id).length, 1, 'one socket with that id')
    if (mode === 'half-open') {
      t.equal(gw.app.connections.size, 2, 'the old transport was closed by the takeover, not left to its heartbeat')
      t.equal(gw.app.recovery.counts.resumes.get('/')?.get('taken_over'), 1)
    } else {
      t.equal(gw.app.recovery.counts.resumes.get('/')?.get('resumed'), 1)
    }
    // Messages were sent every ~10 ms while the client waited 50 ms to reconnect.
    t.ok((gw.app.recovery.counts.replayed.get('/') ?? 0) > 0, 'the messages sent while it was away were replayed')
    // The room still works both ways.
    const back = await away.timeout(2000).emitWithAck('message:send', { content: 'back', room: 'team-a' })
    t.equal(back.ok, true)
  })
}

t.test('one node with REDIS_URL: the old socket leaving does not take the rooms of the new one (the duplicate-id race)', async (t) => {
  const gw = await startGateway(t, { ...QUIET, redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), pingIntervalMs: 300, pingTimeoutMs: 300 })
  const proxy = await proxyTo(t, gw)
  const away = await awayThrough(t, proxy)
  const peer = await connectClient(t, gw)
  for (const c of [away, peer]) t.equal((await c.timeout(2000).emitWithAck('room:join', 'team-a')).ok, true)
  const seen = received(away)
  await sendAndCut(peer, proxy, 'half-open', 30, 10)
  await waitFor('the last message', () => seen.includes('m30') ? true : undefined)
  t.same(seen, expected(30))
  // Longer than the old connection's heartbeat would have taken to time out.
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const ack = await away.timeout(2000).emitWithAck('message:send', { content: 'still in', room: 'team-a' })
  t.equal(ack.ok, true, 'still in team-a')
  const after = nextEvent(away, 'message:new')
  await peer.timeout(2000).emitWithAck('message:send', { content: 'after', room: 'team-a' })
  t.match((await after)[0], { content: /still in|after/ })
})

t.test('two nodes with REDIS_URL: a client cut half-open from node A resumes on node B, which takes its session over', async (t) => {
  const options: GatewayOptions = { ...QUIET, redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000 }
  const a = await startGateway(t, { ...options, nodeId: 'takeover-a' })
  const b = await startGateway(t, { ...options, nodeId: 'takeover-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  const proxy = await proxyTo(t, a)
  const away = await awayThrough(t, proxy)
  const peer = await connectClient(t, a)
  for (const c of [away, peer]) t.equal((await c.timeout(2000).emitWithAck('room:join', 'team-a')).ok, true)
  const id = away.id!
  const seen = received(away)
  // Give the mirror a moment to write the session with its room.
  await new Promise((resolve) => setTimeout(resolve, 100))
  await sendAndCut(peer, proxy, 'half-open', 60, 20, () => { proxy.target = { host: '127.0.0.1', port: Number(new URL(b.url).port) } })
  await waitFor('the last message', () => seen.includes('m60') ? true : undefined)
  t.same(seen, expected(60), 'every message, once, in order')
  t.equal(away.recovered, true)
  t.equal(away.id, id)
  t.ok(b.io.of('/').sockets.has(id), 'now on node B')
  await waitFor('node A to release the old socket', () => a.io.of('/').sockets.has(id) ? undefined : true)
  t.equal(b.app.recovery.counts.resumes.get('/')?.get('taken_over'), 1)
})
