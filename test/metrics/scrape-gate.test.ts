// /metrics under a scrape flood: renders spaced and shared, never an answer rendered before the
// scrape arrived, and a bounded queue. Renders are counted by a gauge of the registry itself,
// whose collect() prom-client calls once per render.
import t from 'tap'
import { Gauge } from 'prom-client'
import { connectClient, startGateway, type TestGateway } from '../../src/testing.js'
import { scrape, value } from './helpers.js'

/** Counts the renders of the gateway's registry from now on. */
function renderCounter (gw: TestGateway): { renders: number } {
  const seen = { renders: 0 }
  new Gauge({ name: 'test_renders', help: 'renders seen by the test', registers: [gw.app.metrics.registry!], collect () { seen.renders++ } })
  return seen
}

const connects = (body: string): number => Number(/^socketgate_socket_connects_total\{namespace="\/"\} (\d+)$/m.exec(body)?.[1] ?? 0)

t.test('a scrape always sees what changed before it, however close to the previous scrape', async (t) => {
  // A long interval: a stale answer, if the gate ever gave one, would show.
  const gw = await startGateway(t, { metricsRenderIntervalMs: 300 })
  for (let i = 1; i <= 5; i++) {
    await connectClient(t, gw)
    const body = await (await fetch(`${gw.url}/metrics`)).text()
    t.equal(connects(body), i, `scrape ${i} right after connection ${i}`)
  }
})

t.test('concurrent scrapes share renders; past METRICS_SCRAPE_QUEUE_MAX they get 429, counted', async (t) => {
  const gw = await startGateway(t, { metricsRenderIntervalMs: 2000, metricsScrapeQueueMax: 20 })
  const seen = renderCounter(gw)
  const first = await fetch(`${gw.url}/metrics`)
  t.equal(first.status, 200)
  await first.text()
  t.equal(seen.renders, 1)

  // The next render waits for the interval: 50 scrapes now, 20 of them wait for it and share it.
  const replies = await Promise.all(Array.from({ length: 50 }, async () => {
    const res = await fetch(`${gw.url}/metrics`)
    return { status: res.status, body: await res.text(), retry: res.headers.get('retry-after') }
  }))
  const ok = replies.filter((r) => r.status === 200)
  const refused = replies.filter((r) => r.status === 429)
  t.equal(ok.length, 20, 'as many answered as may wait')
  t.equal(refused.length, 30, 'the rest refused at once')
  t.equal(seen.renders, 2, 'the 20 shared one render')
  t.equal(new Set(ok.map((r) => r.body.replace(/^(process|nodejs)_.*$/gm, ''))).size, 1, 'and got the same page')
  t.match(JSON.parse(refused[0]!.body), { ok: false, error: { code: 'SG_METRICS_BUSY', message: /METRICS_SCRAPE_QUEUE_MAX/ } })
  t.equal(refused[0]!.retry, '1')
  t.equal(value(await scrape(gw), 'socketgate_limits_exceeded_total', { limit: 'metrics_scrape' }), 30, 'each refusal counted')
})

t.test('METRICS_PORT\'s listener goes through the same gate', async (t) => {
  const gw = await startGateway(t, { metricsPort: 0, metricsRenderIntervalMs: 2000, metricsScrapeQueueMax: 3 })
  const url = `http://127.0.0.1:${gw.app.metrics.address()!.port}/metrics`
  await (await fetch(url)).text()
  const statuses = await Promise.all(Array.from({ length: 8 }, async () => {
    const res = await fetch(url)
    await res.text()
    return res.status
  }))
  t.same(statuses.filter((s) => s === 200).length, 3)
  t.same(statuses.filter((s) => s === 429).length, 5)
})

t.test('METRICS_RENDER_INTERVAL_MS=0: no spacing; every scrape answered', async (t) => {
  const gw = await startGateway(t, { metricsRenderIntervalMs: 0 })
  const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await fetch(`${gw.url}/metrics`)).status))
  t.same(new Set(statuses), new Set([200]))
})
