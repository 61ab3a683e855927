import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { createGateway } from '../../src/app.js'
import { connectClient, startGateway } from '../../src/testing.js'
import { REPLACED_DEFAULTS } from '../../src/metrics/process.js'
import { histogramCount, scrape, value } from './helpers.js'

const KEY = 'k'.repeat(24)

t.test('GET /metrics answers the Prometheus text format by default', async (t) => {
  const gw = await startGateway(t)
  const res = await fetch(`${gw.url}/metrics`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const body = await res.text()
  t.match(body, /^# TYPE socketgate_events_received_total counter$/m)
  t.match(body, /^socketgate_build_info\{version="\d+\.\d+\.\d+",socketio_version="4\.\d+\.\d+",node_version="v\d+[^"]*"\} 1$/m)
  t.match(body, /^process_cpu_user_seconds_total \d/m)
  t.match(body, /^nodejs_eventloop_lag_seconds \d/m)
  t.notMatch(body, /^# EOF/m)
})

t.test('GET /metrics answers OpenMetrics when Accept asks for it, and the text format stays intact after', async (t) => {
  const gw = await startGateway(t)
  const res = await fetch(`${gw.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5' } })
  t.equal(res.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  const body = await res.text()
  t.match(body, /^# TYPE socketgate_socket_connects counter$/m, 'counter families are named without _total')
  t.match(body, /^# EOF\n$/m)
  const again = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(again, /^# TYPE socketgate_socket_connects_total counter$/m, 'the shared registry kept its names')
  t.match(again, /^# TYPE process_cpu_user_seconds_total counter$/m)
})

t.test('the per-socket default metrics are replaced by flat-cost ones', async (t) => {
  const gw = await startGateway(t)
  const s = await scrape(gw)
  const ownStandIns = ['process_open_fds', 'nodejs_gc_duration_seconds']
  for (const name of REPLACED_DEFAULTS.filter((n) => !ownStandIns.includes(n))) t.notOk(s.has(name), `${name} is not collected`)
  if (process.platform === 'linux') t.ok(value(s, 'process_open_fds') > 0, 'process_open_fds from one stat')
})

t.test('every GC pause counts, also several that arrive in one observer callback', async (t) => {
  const gw = await startGateway(t)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const majors = async (): Promise<number> => histogramCount(await scrape(gw), 'nodejs_gc_duration_seconds', { kind: 'major' })
  const before = await majors()
  // Three in one tick reach the observer in one callback: prom-client's histogram counted 1.
  gc()
  gc()
  gc()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.ok(await majors() - before >= 3, 'three forced full GCs counted')
})

t.test('gateways in one process share one set of process collectors; each keeps its own build info', async (t) => {
  const [a, b] = [await startGateway(t), await startGateway(t)]
  const metric = (gw: typeof a, name: string): unknown => gw.app.metrics.registry!.getSingleMetric(name)
  // prom-client never stops its event-loop monitor: a set per gateway would run for good.
  t.ok(metric(a, 'nodejs_eventloop_lag_p99_seconds'))
  t.equal(metric(a, 'nodejs_eventloop_lag_p99_seconds'), metric(b, 'nodejs_eventloop_lag_p99_seconds'))
  t.equal(metric(a, 'nodejs_gc_duration_seconds'), metric(b, 'nodejs_gc_duration_seconds'))
  t.not(metric(a, 'socketgate_build_info'), metric(b, 'socketgate_build_info'))
})

t.test('the size of /metrics does not grow with the number of sockets', async (t) => {
  const gw = await startGateway(t)
  await connectClient(t, gw)
  const lines = async () => (await (await fetch(`${gw.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('socketgate_')).length
  await lines() // the first scrape adds its own HTTP series
  const one = await lines()
  await Promise.all(Array.from({ length: 40 }, () => connectClient(t, gw)))
  t.equal(await lines(), one, 'same number of socketgate_ lines with 1 and 41 sockets')
})

t.test('with METRICS_PORT, /metrics is served on that port only', async (t) => {
  const gw = await startGateway(t, { metricsPort: 0, host: '127.0.0.1' })
  const address = gw.app.metrics.address()
  t.ok(address && address.port > 0 && address.port !== new URL(gw.url).port as unknown as number)
  const res = await fetch(`http://127.0.0.1:${address!.port}/metrics`)
  t.equal(res.status, 200)
  t.match(await res.text(), /^# TYPE socketgate_sockets_connected gauge$/m)
  const om = await fetch(`http://127.0.0.1:${address!.port}/metrics`, { headers: { accept: 'application/openmetrics-text' } })
  t.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  const elsewhere = await fetch(`http://127.0.0.1:${address!.port}/healthz`)
  t.equal(elsewhere.status, 404)
  t.match(await elsewhere.json(), { ok: false, error: { code: 'SG_NOT_FOUND', message: 'Route GET /healthz does not exist' } })
  const main = await fetch(`${gw.url}/metrics`)
  t.equal(main.status, 404, 'not on the main port')
  t.match(await main.json(), { error: { code: 'SG_NOT_FOUND' } })
})

t.test('with METRICS_ENABLED=false there is no /metrics and no registry', async (t) => {
  const gw = await startGateway(t, { metricsEnabled: false, publishApiKey: KEY })
  t.equal((await fetch(`${gw.url}/metrics`)).status, 404)
  t.equal(gw.app.metrics.registry, undefined)
  const res = await fetch(`${gw.url}/api/v1/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ event: 'news' })
  })
  t.equal(res.status, 200, 'the publish API works without metrics')
})

t.test('publish API requests count by status and their hand-off is timed; HTTP requests by route pattern', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  const publish = (auth: string, body: unknown) => fetch(`${gw.url}/api/v1/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  t.equal((await publish(KEY, { event: 'news', data: 1 })).status, 200)
  t.equal((await publish(KEY, { event: 'news', room: 'r1' })).status, 200)
  t.equal((await publish('wrong'.repeat(5), { event: 'news' })).status, 401)
  t.equal((await publish(KEY, { event: 'connect' })).status, 400)
  t.equal((await fetch(`${gw.url}/no/such/${Math.random()}`)).status, 404)

  const s = await scrape(gw)
  t.equal(value(s, 'socketgate_publish_requests_total', { status_code: '200' }), 2)
  t.equal(value(s, 'socketgate_publish_requests_total', { status_code: '401' }), 1)
  t.equal(value(s, 'socketgate_publish_requests_total', { status_code: '400' }), 1)
  t.equal(histogramCount(s, 'socketgate_publish_handoff_seconds', { namespace: '/' }), 2)
  t.equal(value(s, 'socketgate_broadcasts_total', { namespace: '/' }), 2)
  t.equal(histogramCount(s, 'socketgate_http_request_duration_seconds', { method: 'POST', route: '/api/v1/publish', status_code: '200' }), 2)
  t.equal(histogramCount(s, 'socketgate_http_request_duration_seconds', { method: 'GET', route: '(unmatched)', status_code: '404' }), 1, 'unmatched URLs share one series')
})

t.test('bad metrics settings fail at boot naming the key', async (t) => {
  await t.rejects(createGateway({ metricsLatencyBuckets: '0.1,0.05' }), {
    code: 'SG_CONFIG_INVALID',
    message: 'METRICS_LATENCY_BUCKETS: "0.1,0.05" is not valid; expected a comma-separated list of ascending positive numbers like 0.001,0.01,0.1,1'
  })
  await t.rejects(createGateway({ metricsRoomSizeBuckets: '1,x' }), { code: 'SG_CONFIG_INVALID', message: /^METRICS_ROOM_SIZE_BUCKETS: "1,x" is not valid; expected/ })
  await t.rejects(createGateway({ metricsPrefix: '9bad' }), { code: 'SG_CONFIG_INVALID', message: /^METRICS_PREFIX: "9bad" is not valid; expected letters, digits and _/ })
})

t.test('METRICS_PREFIX renames the gateway families, not the standard process ones', async (t) => {
  const gw = await startGateway(t, { metricsPrefix: 'edge_' })
  const s = await scrape(gw)
  t.ok(s.has('edge_events_received_total'))
  t.notOk(s.has('socketgate_events_received_total'))
  t.ok(s.has('process_cpu_user_seconds_total'))
})

t.test('two gateways in one process keep their own registries', async (t) => {
  const a = await startGateway(t)
  const b = await startGateway(t)
  await connectClient(t, a)
  t.equal(value(await scrape(a), 'socketgate_socket_connects_total', { namespace: '/' }), 1)
  t.equal(value(await scrape(b), 'socketgate_socket_connects_total', { namespace: '/' }), 0)
})
