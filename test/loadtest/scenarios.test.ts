// The other scenarios, run in this process through the same runner the CLI uses: echo and idle
// against a plain Socket.IO server (they need nothing of socketgate), publish against a gateway's
// HTTP API. Counts checked against the server's own.
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import t, { type Test } from 'tap'
import { runLoadtest, type LoadtestReport } from '../../src/loadtest/run.js'
import type { Target } from '../../src/loadtest/scenario.js'
import { SCENARIOS } from '../../src/loadtest/scenarios/index.js'
import { startGateway } from '../../src/testing.js'
import { scrape, value } from '../metrics/helpers.js'

const target = (url: string, over: Partial<Target> = {}): Target => ({
  url: new URL(url), transport: 'websocket', clients: 4, rate: 5, roomSize: 2, roomPrefix: 'load', durationS: 1, bytes: 64, token: undefined, ...over
})

/** A plain Socket.IO server with bench/echo-server.ts's handler, counting what it answered. */
async function echoServer (t: Test): Promise<{ url: string, io: Server, acks: () => number }> {
  const http = createServer()
  const io = new Server(http, { pingInterval: 300, pingTimeout: 2000 })
  let acks = 0
  io.on('connection', (socket) => {
    socket.on('echo', (data: unknown, ack: (d: unknown) => void) => { acks++; ack(data) })
    socket.on('reversed', (data: string, ack: (d: unknown) => void) => { acks++; ack([...data].reverse().join('')) })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { io.close(() => resolve(undefined)) }))
  return { url: `http://127.0.0.1:${(http.address() as { port: number }).port}`, io, acks: () => acks }
}

t.test('echo: every event acked with its payload, as many as the server answered', async (t) => {
  const server = await echoServer(t)
  const r = await runLoadtest({ scenario: SCENARIOS.echo!, target: target(server.url), options: { event: 'echo' } }) as LoadtestReport<{ sent: number, acked: number, mismatched: number }>
  t.match(r, { ok: true, connected: 4, errors: {} })
  t.ok(r.result.sent > 0)
  t.equal(r.result.acked, r.result.sent)
  t.equal(server.acks(), r.result.sent, 'the server answered exactly what was sent')
  t.equal(r.latency.echo!.count, r.result.acked)
  t.ok(r.timeline.some((s) => s.phase === 'sending' && (s.rates.acked ?? 0) > 0), 'the timeline shows acks per second')
})

t.test('echo: an ack that is not the payload is an error', async (t) => {
  const server = await echoServer(t)
  const wrong = await runLoadtest({ scenario: SCENARIOS.echo!, target: target(server.url, { clients: 1, durationS: 0.5 }), options: { event: 'reversed' } }) as LoadtestReport<{ mismatched: number, sent: number }>
  t.equal(wrong.ok, false)
  t.equal(wrong.result.mismatched, wrong.result.sent)
  t.equal(wrong.errors['reversed ack is not the payload'], wrong.result.sent)
})

t.test('idle: holds every connection over the window and answers the server\'s heartbeats', async (t) => {
  const server = await echoServer(t)
  const r = await runLoadtest({ scenario: SCENARIOS.idle!, target: target(server.url, { clients: 6, rate: 20, durationS: 1 }), options: {} }) as LoadtestReport<{ connected: number, held: number, heartbeats: number }>
  t.match(r, { ok: true, connected: 6, result: { connected: 6, held: 6 } })
  // pingInterval 300 ms: each client gets a few heartbeats in the 1 s hold.
  t.ok(r.result.heartbeats >= 6, `${r.result.heartbeats} heartbeats`)
})

t.test('publish: requests accepted by the API and deliveries are the gateway\'s counts', async (t) => {
  const key = 'publish-key-0123456789'
  const gw = await startGateway(t, { publishApiKey: key })
  const r = await runLoadtest({
    scenario: SCENARIOS.publish!,
    target: target(gw.url, { clients: 6, roomSize: 3, rate: 20, durationS: 1 }),
    options: { 'api-key': key },
    metricsUrls: [new URL(`${gw.url}/metrics`)]
  }) as LoadtestReport<{ requests: number, accepted: number, recipientsReported: number, expectedDeliveries: number, delivered: number }>
  t.match(r, { ok: true, connected: 6, errors: {} })
  const p = r.result
  t.ok(p.requests > 0)
  t.equal(p.accepted, p.requests)
  t.equal(p.expectedDeliveries, 3 * p.accepted, 'rooms of 3')
  t.equal(p.delivered, p.expectedDeliveries)
  t.equal(p.recipientsReported, p.delivered, 'the API\'s recipients agree')
  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_publish_requests_total', { status_code: '200' }), p.accepted)
  t.equal(value(s, 'socketgate_broadcast_recipients_total', { namespace: '/' }), p.delivered)
  t.match(r.gateway, { publishRequests: { 200: p.accepted }, deliveries: p.delivered })

  const refused = await runLoadtest({ scenario: SCENARIOS.publish!, target: target(gw.url, { clients: 2, rate: 5, durationS: 0.3 }), options: { 'api-key': 'wrong-key-0123456789' } })
  t.equal(refused.ok, false)
  t.ok(refused.errors['publish HTTP 401 SG_UNAUTHORIZED']! > 0, 'a wrong key is a counted error')
})
