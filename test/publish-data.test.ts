// Data nested past the call stack, and adapters that fail: refused at the edge (400 naming the
// rule), and wherever they still reach an adapter, caught and counted, never the end of the node.
// With Redis on (own key prefix on the shared Redis; a private redis-server for the outage).
import { createClient } from '@redis/client'
import type { Server } from 'socket.io'
import t, { type Test } from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'
import { RawClient, scrape, value } from './metrics/helpers.js'
import { startRedis, uniquePrefix, waitFor, SHARED_REDIS } from './cluster/helpers.js'

const KEY = 'publish-key-0123456789'
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }

/** `[[[…]]]` `depth` levels deep, as JSON text (building it as an object would itself be deep). */
const deepJson = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

function publishRaw (gw: TestGateway, body: string) {
  return gw.app.inject({ method: 'POST', url: '/api/v1/publish', headers: AUTH, payload: body })
}

async function healthy (t: Test, gw: TestGateway, what: string): Promise<void> {
  const res = await gw.app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200, `${what}: the node still answers /healthz`)
}

t.test('publish data deeper than PUBLISH_DATA_MAX_DEPTH or larger than PUBLISH_DATA_MAX_BYTES is refused with 400 naming the rule', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, publishDataMaxDepth: 8, publishDataMaxBytes: 1000 })
  const client = await connectClient(t, gw)

  const deep = await publishRaw(gw, `{"event":"x","data":${deepJson(100_000)}}`)
  t.equal(deep.statusCode, 400)
  t.same(deep.json().error.code, 'SG_PAYLOAD_TOO_DEEP')
  t.match(deep.json().error.message, /body\/data is nested more than 8 levels deep; expected at most 8 .*PUBLISH_DATA_MAX_DEPTH/)

  const nine = await publishRaw(gw, `{"event":"x","data":{"a":${deepJson(8)}}}`)
  t.equal(nine.statusCode, 400, 'nine levels (an object holding eight of arrays) is one too many')

  const large = await publishRaw(gw, JSON.stringify({ event: 'x', data: { s: 'é'.repeat(600) } }))
  t.equal(large.statusCode, 400)
  t.equal(large.json().error.code, 'SG_PAYLOAD_TOO_LARGE')
  t.match(large.json().error.message, /body\/data is 1208 bytes as JSON; expected at most 1000 bytes \(PUBLISH_DATA_MAX_BYTES\)/, 'bytes of UTF-8, not characters')

  const edge = { a: [[[[[[[1]]]]]]], s: 'x'.repeat(900) }
  const arrived = nextEvent(client, 'edge')
  const ok = await publishRaw(gw, JSON.stringify({ event: 'edge', data: edge }))
  t.equal(ok.statusCode, 200, 'eight levels and 900-odd bytes are within the limits')
  t.same((await arrived)[0], edge, 'and delivered whole')

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_limits_exceeded_total', { limit: 'publish_data' }), 3, 'each refusal counted')
  t.equal(value(s, 'socketgate_limits_exceeded_total', { limit: 'origin' }), 0, 'the other limits exist at 0')
  t.equal(value(s, 'socketgate_publish_requests_total', { status_code: '400' }), 3)
})

t.test('with the defaults, 100 000 levels of data is refused on a cluster node, which stays up', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix() })
  const client = await connectClient(t, gw)
  const res = await publishRaw(gw, `{"event":"x","data":${deepJson(100_000)}}`)
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'SG_PAYLOAD_TOO_DEEP')
  const deepest = await publishRaw(gw, `{"event":"x","data":${deepJson(32)}}`)
  t.equal(deepest.statusCode, 200, 'PUBLISH_DATA_MAX_DEPTH defaults to 32')
  await nextEvent(client, 'x')
  await healthy(t, gw, 'after the refusal')
})

t.test('deep data that reaches the cluster adapter anyway (an embedding app, another node) is caught and counted; messages keep flowing', async (t) => {
  const prefix = uniquePrefix()
  const a = await startGateway(t, { publishApiKey: KEY, redisUrl: SHARED_REDIS, redisKeyPrefix: prefix, nodeId: 'a', clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 3000 })
  const b = await startGateway(t, { publishApiKey: KEY, redisUrl: SHARED_REDIS, redisKeyPrefix: prefix, nodeId: 'b', clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 3000 })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  const onA = await connectClient(t, a)
  const onB = await connectClient(t, b)
  const deep = JSON.parse(deepJson(100_000)) as unknown
  // Untyped: the gateway's event maps name only the events it sends itself.
  const io = a.io as unknown as Server

  // An application that embeds the gateway emits through its io: the broadcast encodes the packet
  // after awaiting the publish, in a promise Socket.IO does not handle.
  io.emit('deep', deep)
  io.to('chat-general').emit('deep', deep)
  io.serverSideEmit('deep', deep)
  io.in('chat-general').socketsJoin(['x'])

  // A message another node (an older version, another program) wrote into the stream: without the
  // guard, the reader fails on it and reads it again forever, so nothing else crosses.
  const writer = createClient({ url: SHARED_REDIS })
  await writer.connect()
  t.teardown(() => writer.close())
  const packet = `{"packet":{"type":2,"data":["deep",${deepJson(100_000)}],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{}}}`
  await writer.xAdd(`${prefix}:stream`, '*', { uid: 'foreign-node', nsp: '/', type: '3', data: packet })

  const toB = nextEvent(onB, 'after', 5000)
  const toA = nextEvent(onA, 'after', 5000)
  const res = await publishRaw(a, JSON.stringify({ event: 'after', data: 1 }))
  t.equal(res.statusCode, 200)
  t.same(await toA, [1], 'node A delivers to its own client')
  t.same(await toB, [1], 'node B still reads the stream past the bad message')

  const sa = await scrape(a)
  t.equal(value(sa, 'socketgate_cluster_adapter_errors_total', { operation: 'broadcast' }), 2, 'A: both local deliveries of the deep broadcast counted')
  t.ok(value(sa, 'socketgate_cluster_publish_failures_total') >= 3, 'A: the publications that could not be encoded counted (2 broadcasts, serverSideEmit)')
  t.equal(value(sa, 'socketgate_cluster_adapter_errors_total', { operation: 'sockets_join' }), 0)
  const sb = await scrape(b)
  t.equal(value(sb, 'socketgate_cluster_adapter_errors_total', { operation: 'receive' }), 1, 'B: the foreign message counted once, not read again')
  await healthy(t, a, 'node A')
  await healthy(t, b, 'node B')
})

t.test('with Redis gone, every adapter path of the gateway fails quietly: rooms, disconnects, server-side emits, fetches, session saves', async (t) => {
  const redis = await startRedis(t)
  const gw = await startGateway(t, { publishApiKey: KEY, redisUrl: redis.url, redisKeyPrefix: uniquePrefix(), connectionRecovery: true })
  const staying = await connectClient(t, gw)
  const leaving = await connectClient(t, gw)
  await redis.stop()
  await waitFor('the node to see Redis gone', () => gw.app.cluster.connected() ? undefined : true)

  const io = gw.io as unknown as Server
  io.emit('during', 1)
  io.in(staying.id!).socketsJoin('r1')
  io.in(staying.id!).socketsLeave('r1')
  io.serverSideEmit('ping')
  // Counting the other nodes asks Redis: that rejection would be unhandled inside Socket.IO.
  const acked = new Promise<unknown>((resolve) => { io.serverSideEmit('ping', (err: unknown) => resolve(err)) })
  await t.rejects(io.fetchSockets(), 'fetchSockets rejects to its caller, who handles it')
  t.match(await acked, { message: /offline|closed/i }, 'a serverSideEmit with an ack gets the error in its ack')
  // A transport loss is recoverable: the node saves the session to the missing Redis.
  const gone = nextEvent(leaving, 'disconnect')
  leaving.io.engine.close()
  await gone
  gw.io.in('nobody').disconnectSockets()
  const rooms = await gw.app.inject({ method: 'GET', url: '/api/v1/rooms', headers: AUTH })
  t.equal(rooms.statusCode, 503, 'the rooms listing says it cannot count the cluster')

  // Rejections surface within a turn or two; give them time to end the process if they could.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.ok(staying.connected, 'the other client is still connected')
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_cluster_adapter_errors_total', { operation: 'server_side_emit' }), 1, 'the failed serverSideEmit counted')
  t.ok(value(s, 'socketgate_cluster_adapter_errors_total', { operation: 'fetch_sockets' }) >= 1, 'the failed fetches counted (ours and the rooms listing\'s)')
  await healthy(t, gw, 'with Redis gone')
})

t.test('clients cannot reach the broadcast with deep data: the chat events forward only checked strings', async (t) => {
  const gw = await startGateway(t, { redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix() })
  const neighbour = await connectClient(t, gw)
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.close())
  raw.send('40')
  await raw.next((m) => m.startsWith('40'))
  const deep = deepJson(100_000)
  raw.send(`421["message:send",${deep}]`)
  t.match(await raw.next((m) => m.startsWith('431')), /SG_INVALID_PAYLOAD/, 'message:send with deep data: refused in its ack')
  const got = nextEvent<[{ content: string }]>(neighbour, 'message:new')
  raw.send(`422["message:send",{"content":"hi","extra":${deep}}]`)
  t.match(await raw.next((m) => m.startsWith('432')), /"ok":true/, 'extra fields are not forwarded: only content and room are')
  raw.send(`423["room:join",${deep}]`)
  t.match(await raw.next((m) => m.startsWith('433')), /SG_INVALID_ROOM/, 'room:join with deep data: refused')
  raw.send(`42["anything",${deep}]`)
  t.equal((await got)[0].content, 'hi', 'the neighbour got the one good message')
  await healthy(t, gw, 'after deep client events')
})

t.test('ADMIN_MODE=development relays client events to /admin: a deep one is dropped there, not fatal', async (t) => {
  const gw = await startGateway(t, { adminMode: 'development', adminInsecureNoAuth: true })
  const raw = await RawClient.open(gw.url)
  t.teardown(() => raw.ws.close())
  raw.send('40')
  await raw.next((m) => m.startsWith('40'))
  raw.send(`42["x",${deepJson(100_000)}]`)
  raw.send('421["room:join","after"]')
  t.match(await raw.next((m) => m.startsWith('431')), /"ok":true/, 'the sender is still served')
  await healthy(t, gw, 'after a deep event in development mode')
})
