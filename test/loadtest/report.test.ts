// The HTML report is one self-contained file: it opens in a browser with no network, requests
// nothing but itself, and shows the run's charts. Its screenshot is kept in test-artifacts/.
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import t from 'tap'
import { htmlReport } from '../../src/loadtest/html.js'
import { runLoadtest } from '../../src/loadtest/run.js'
import { SCENARIOS } from '../../src/loadtest/scenarios/index.js'
import { openBrowser, recordPage } from '../browser/chromium.js'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

t.test('the HTML report is self-contained and renders its charts in Chromium', async (t) => {
  const http = createServer()
  const io = new Server(http)
  io.on('connection', (socket) => { socket.on('echo', (data: unknown, ack: (d: unknown) => void) => { ack(data) }) })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { io.close(() => resolve(undefined)) }))
  const report = await runLoadtest({
    scenario: SCENARIOS.echo!,
    target: { url: new URL(`http://127.0.0.1:${(http.address() as { port: number }).port}`), transport: 'websocket', clients: 5, rate: 10, roomSize: 1, roomPrefix: 'load', durationS: 2, bytes: 64, token: undefined },
    options: { event: 'echo' }
  })
  t.equal(report.ok, true)
  const html = htmlReport(report)

  // Nothing to fetch: no src/href attributes, no CSS url() or @import, no script but the data.
  t.notMatch(html, /\s(src|href)=/i)
  t.notMatch(html, /url\(|@import/i)
  t.same([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script type="application/json" id="report">'])
  t.same(JSON.parse(/<script type="application\/json" id="report">(.*?)<\/script>/s.exec(html)![1]!), JSON.parse(JSON.stringify(report)))

  await mkdir(ARTIFACTS, { recursive: true })
  const file = new URL('loadtest-report.html', ARTIFACTS)
  await writeFile(file, html)
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  const record = recordPage(page)
  await page.goto(file.href)
  const titles = await page.locator('svg .title').allTextContents()
  t.same(titles, ['Throughput per second', 'Latency over time (echo, and the others at p99)', 'Connected clients, and this generator\'s CPU', 'Latency distribution (HDR histogram, whole run)'])
  t.ok(await page.locator('svg path').count() >= 6, 'the charts have lines')
  t.same(record.requests.map((r) => r.url), [file.href], 'the page requested nothing but itself')
  t.same(record.errors, [])
  await page.screenshot({ path: new URL('loadtest-report.png', ARTIFACTS).pathname, fullPage: true })
})
