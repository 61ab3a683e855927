// Broadcasts and their deliveries, exact: on one node with connection state recovery (whose
// socket.emit goes through the adapter and must not count as a broadcast), and on two nodes of a
// cluster, where each node counts the deliveries to its own sockets, whichever node emitted.
import t, { type Test } from 'tap'
import type { GatewayClient } from '../../src/client.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import type { GatewayOptions } from '../../src/index.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from '../cluster/helpers.js'
import { bucket, histogramCount, scrape, value } from './helpers.js'

const ns = { namespace: '/' }

t.test('with connection state recovery, session:ready is a socket.emit, not a broadcast', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const clients: GatewayClient[] = []
  for (let i = 0; i < 3; i++) clients.push(await connectClient(t, gw))
  // Each got its session:ready; then one message to the default room reaches all three.
  const heard = clients.map((c) => nextEvent(c, 'message:new'))
  t.match(await clients[0]!.timeout(2000).emitWithAck('message:send', { content: 'hi' }), { ok: true })
  await Promise.all(heard)

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_events_sent_total', { ...ns, event: 'session:ready' }), 3, 'one session:ready per socket')
  t.equal(value(s, 'socketgate_broadcasts_total', ns), 1, 'the message alone is a broadcast')
  t.equal(value(s, 'socketgate_broadcast_recipients_total', ns), 3)
  t.equal(value(s, 'socketgate_deliveries_total', { ...ns, origin: 'local' }), 3)
  t.equal(value(s, 'socketgate_deliveries_total', { ...ns, origin: 'remote' }), 0)
  t.equal(histogramCount(s, 'socketgate_broadcast_fanout_seconds', ns), 1)
  t.equal(histogramCount(s, 'socketgate_delivery_lag_seconds', { origin: 'local' }), 1)
})

t.test('a message:send refused without an ack still counts as refused, under its code', async (t) => {
  const gw = await startGateway(t)
  const client = await connectClient(t, gw)
  client.emit('message:send', { content: '' })
  client.emit('message:send', { content: 'x', room: 'not-joined' })
  // Packets of one connection are handled in order: once this is answered, both were.
  await client.timeout(2000).emitWithAck('room:join', 'sync')
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_events_received_total', { ...ns, event: 'message:send' }), 2)
  t.equal(value(s, 'socketgate_event_errors_total', { ...ns, event: 'message:send' }), 2)
  t.equal(value(s, 'socketgate_events_refused_total', { ...ns, reason: 'SG_INVALID_PAYLOAD' }), 1)
  t.equal(value(s, 'socketgate_events_refused_total', { ...ns, reason: 'SG_NOT_IN_ROOM' }), 1)
  t.equal(value(s, 'socketgate_broadcasts_total', ns), 0)
})

async function twoNodes (t: Test, extra: GatewayOptions = {}): Promise<[TestGateway, TestGateway]> {
  const options: GatewayOptions = {
    redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminUi: false, ...extra
  }
  const a = await startGateway(t, { ...options, nodeId: 'deliveries-a' })
  const b = await startGateway(t, { ...options, nodeId: 'deliveries-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  return [a, b]
}

for (const recovery of [false, true]) {
  t.test(`on two nodes${recovery ? ' with connection state recovery' : ''}, deliveries summed over the nodes equal what the clients received`, async (t) => {
    const [a, b] = await twoNodes(t, { connectionRecovery: recovery, metricsLatencyBuckets: '0.001,0.1,5' })
    // 2 clients on A, 3 on B, all in the default room; 1 on B also in "blue".
    const onA = [await connectClient(t, a), await connectClient(t, a)]
    const onB = [await connectClient(t, b), await connectClient(t, b), await connectClient(t, b)]
    t.same(await onB[2]!.timeout(2000).emitWithAck('room:join', 'blue'), { ok: true })
    // The join travels to A through the stream; A's broadcast to "blue" needs nothing from it.
    const all = [...onA, ...onB]
    let received = 0
    for (const c of all) (c as unknown as { on: (e: string, fn: () => void) => void }).on('message:new', () => { received++ })

    // From A: to everyone (5), to blue (1). From B: to everyone (5).
    t.match(await onA[0]!.timeout(2000).emitWithAck('message:send', { content: 'from a' }), { ok: true })
    a.io.to('blue').emit('message:new', { content: 'blue from a' } as never)
    t.match(await onB[0]!.timeout(2000).emitWithAck('message:send', { content: 'from b' }), { ok: true })
    await waitFor('every client to receive its messages', () => received === 5 + 1 + 5 ? true : undefined)

    const [sa, sb] = [await scrape(a), await scrape(b)]
    const d = (s: typeof sa, origin: string) => value(s, 'socketgate_deliveries_total', { ...ns, origin })
    t.equal(d(sa, 'local'), 2 + 0, 'A wrote its two broadcasts to its own sockets: 2 and 0')
    t.equal(d(sa, 'remote'), 2, 'A wrote B\'s broadcast to its 2 sockets')
    t.equal(d(sb, 'local'), 3, 'B wrote its broadcast to its 3 sockets')
    t.equal(d(sb, 'remote'), 3 + 1, 'B wrote A\'s two broadcasts: 3 and 1')
    t.equal(d(sa, 'local') + d(sa, 'remote') + d(sb, 'local') + d(sb, 'remote'), received, 'summed over the nodes: every delivery')
    t.equal(value(sa, 'socketgate_broadcasts_total', ns), 2)
    t.equal(value(sb, 'socketgate_broadcasts_total', ns), 1)
    t.equal(value(sa, 'socketgate_broadcast_recipients_total', ns), 2, 'the emitting node\'s own sockets only')
    // Lag: once per broadcast per node with recipients. A: its 1 broadcast with recipients
    // (blue has none on A) and B's. B: its own and A's two.
    t.equal(histogramCount(sa, 'socketgate_delivery_lag_seconds', { origin: 'local' }), 2, 'A: both its broadcasts written locally (one to no one)')
    t.equal(histogramCount(sa, 'socketgate_delivery_lag_seconds', { origin: 'remote' }), 1)
    t.equal(histogramCount(sb, 'socketgate_delivery_lag_seconds', { origin: 'local' }), 1)
    t.equal(histogramCount(sb, 'socketgate_delivery_lag_seconds', { origin: 'remote' }), 2)
    t.equal(bucket(sb, 'socketgate_delivery_lag_seconds', 5, { origin: 'remote' }), 2, 'cross-node lag under 5 s on one machine')
    t.equal(histogramCount(sb, 'socketgate_broadcast_fanout_seconds', ns), 3, 'B wrote 3 broadcasts to its sockets')
    t.equal(value(sa, 'socketgate_events_sent_total', { ...ns, event: 'session:ready' }), recovery ? 2 : 0)
  })
}
