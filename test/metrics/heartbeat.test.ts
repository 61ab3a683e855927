import t from 'tap'
import { startGateway } from '../../src/testing.js'
import { RawClient, bucket, histogramCount, scrape, value } from './helpers.js'

t.test('a client that answers pings 150 ms late shows up in the heartbeat bucket above 100 ms', async (t) => {
  const gw = await startGateway(t, { pingIntervalMs: 50, pingTimeoutMs: 2000, metricsLatencyBuckets: '0.1,0.5,3' })
  const raw = await RawClient.open(gw.url, { answer: true, delayMs: 150 })
  t.teardown(() => raw.ws.terminate())
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  // The server pings again only once it has the pong: the third ping proves two round trips.
  for (let i = 0; i < 3; i++) await raw.next((m) => m === '2')

  const s = await scrape(gw)
  const count = histogramCount(s, 'socketgate_heartbeat_rtt_seconds')
  t.ok(count >= 2, `at least two round trips measured (got ${count})`)
  t.equal(bucket(s, 'socketgate_heartbeat_rtt_seconds', 0.1), 0, 'none under 100 ms')
  t.equal(bucket(s, 'socketgate_heartbeat_rtt_seconds', 3), count, 'all under 3 s')
})

t.test('a client that stops answering pings is dropped and counted as a ping timeout', async (t) => {
  const gw = await startGateway(t, { pingIntervalMs: 50, pingTimeoutMs: 100 })
  const raw = await RawClient.open(gw.url, { answer: false, delayMs: 0 })
  t.teardown(() => raw.ws.terminate())
  raw.send('40')
  await raw.next((m) => m.startsWith('40{'))
  await raw.closed()

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_socket_disconnects_total', { namespace: '/', reason: 'ping timeout' }), 1)
  t.equal(value(s, 'socketgate_sockets_connected', { namespace: '/' }), 0)
  t.equal(value(s, 'socketgate_engine_connections', { transport: 'websocket' }), 0)
  t.equal(histogramCount(s, 'socketgate_heartbeat_rtt_seconds'), 0, 'no pong, no round trip')
})
