// Logs for people and for machines: LOG_FORMAT, the pretty form, one line per request with static
// files at debug, and the start-up summary that names every URL.
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { formatLine } from '../src/logging/pretty.js'
import { logFormat } from '../src/logging/index.js'
import { startGateway, type TestGateway } from '../src/testing.js'
import type { GatewayOptions } from '../src/app.js'
import { built, freePort, watch } from './cli/helpers.js'

type Line = Record<string, unknown> & { level: number, msg: string }

function capture (): { stream: Writable, lines: Line[] } {
  const lines: Line[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line)
      done()
    }
  })
  return { stream, lines }
}

t.test('LOG_FORMAT=auto is pretty on a terminal and JSON elsewhere', async (t) => {
  t.equal(logFormat('auto', { isTTY: true }), 'pretty')
  t.equal(logFormat('auto', { isTTY: false }), 'json')
  t.equal(logFormat('auto', {}), 'json')
  t.equal(logFormat('json', { isTTY: true }), 'json')
  t.equal(logFormat('pretty', {}), 'pretty')
})

t.test('the pretty form is short: time, level, message, the fields that matter, the stack', async (t) => {
  const time = new Date(2026, 11, 6, 9, 5, 7, 42).getTime()
  const base = { time, pid: 1, hostname: 'h' }
  t.equal(formatLine({ ...base, level: 30, msg: 'drained', connections: 3, ms: 12 }, false), '09:05:07.042 INFO  drained connections=3 ms=12\n')
  t.equal(formatLine({ ...base, level: 30, msg: 'request completed', reqId: 'req-1', req: { method: 'GET', url: '/api/v1/rooms' }, res: { statusCode: 200 }, responseTime: 1.234 }, false),
    '09:05:07.042 INFO  GET /api/v1/rooms 200 1.2 ms\n')
  t.equal(formatLine({ ...base, level: 40, msg: 'log in at http://x/admin/ as "admin"', url: 'http://x/admin/', username: 'admin' }, false),
    '09:05:07.042 WARN  log in at http://x/admin/ as "admin"\n', 'what the message says is not repeated')
  t.equal(formatLine({ ...base, level: 30, msg: 'ready\n  demo  http://x/', startup: { demo: {} } }, false), '09:05:07.042 INFO  ready\n                     demo  http://x/\n', 'summary lines line up, its data stays in JSON')
  const err = formatLine({ ...base, level: 50, msg: 'shutdown failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' } }, false)
  t.equal(err, '09:05:07.042 ERROR shutdown failed\n                   Error: boom\n                       at x (y.js:1:1)\n')
  t.match(formatLine({ ...base, level: 50, msg: 'x' }, true), /\x1b\[31mERROR\x1b\[0m/, 'colored on a terminal')
})

async function gateway (t: Test, options: GatewayOptions): Promise<{ gw: TestGateway, lines: Line[] }> {
  const { stream, lines } = capture()
  const gw = await startGateway(t, { logger: { level: 'debug', stream }, ...options } as GatewayOptions)
  return { gw, lines }
}

t.test('one line per request, when it completes; static files only at debug', async (t) => {
  const { gw, lines } = await gateway(t, { demoPage: true })
  const css = /href="(css\/app[^"]+\.css)"/.exec(await (await fetch(`${gw.url}/admin/`)).text())?.[1]
  t.ok(css, 'the admin page links its stylesheet')
  for (const path of ['/', '/demo/demo.js', '/favicon.ico', `/admin/${css}`, '/nope']) await fetch(gw.url + path)
  const completed = (path: string): Line[] => lines.filter((l) => l.msg === 'request completed' && (l.req as { url: string }).url === path)
  for (const [path, level, status] of [['/', 30, 200], ['/admin/', 30, 200], ['/nope', 30, 404], ['/demo/demo.js', 20, 200], ['/favicon.ico', 20, 200], [`/admin/${css}`, 20, 200]] as const) {
    const found = completed(path)
    t.equal(found.length, 1, `${path}: one line`)
    t.match(found[0], { level, res: { statusCode: status }, req: { method: 'GET' } }, `${path}: ${level === 20 ? 'debug' : 'info'}`)
  }
  t.notOk(lines.some((l) => l.msg === 'incoming request' && l.level > 20), 'the incoming line only at debug')
})

t.test('the start-up summary names every URL and mode, with what plugins add', async (t) => {
  const { gw, lines } = await gateway(t, { demoPage: true, metricsPort: 0, publishApiKey: 'k'.repeat(16), connectionRecovery: true, nodeId: 'node-7' })
  const summary = lines.find((l) => l.startup !== undefined)!
  t.ok(summary, 'logged once the gateway listens')
  t.equal(lines.filter((l) => l.startup !== undefined).length, 1, 'once')
  const metricsPort = gw.app.metrics.address()!.port
  t.match(summary, {
    level: 30,
    startup: {
      demo: { url: `${gw.url}/` },
      admin: { url: `${gw.url}/admin/`, username: 'admin', password: 'generated', mode: 'operator' },
      // The metrics listener binds HOST (every interface here), unlike this test's main listener.
      metrics: { url: `http://localhost:${metricsPort}/metrics`, port: metricsPort },
      api: { enabled: true, url: `${gw.url}/api/v1/publish` },
      health: { liveness: `${gw.url}/healthz` },
      auth: { mode: 'none' },
      cluster: { mode: 'single', nodeId: 'node-7' },
      recovery: { enabled: true }
    }
  })
  for (const text of [`${gw.url}/`, `${gw.url}/admin/`, `:${metricsPort}/metrics`, 'METRICS_PORT', '/api/v1/publish', 'single node node-7', 'recovery on']) {
    t.ok(summary.msg.includes(text), `the message says ${text}`)
  }
  t.notOk(JSON.stringify(summary).includes('k'.repeat(16)), 'no secret in the summary')
})

t.test('a gateway started with LOG_FORMAT=pretty writes pretty lines, its summary one entry per line', async (t) => {
  built()
  const port = await freePort()
  const w = watch(t, process.execPath, ['bin/socketgate.js', 'serve', '--port', String(port), '--host', '127.0.0.1'], { env: { LOG_FORMAT: 'pretty', ADMIN_UI: 'false' } })
  const ready = new Promise<void>((resolve) => { const check = setInterval(() => { if (/transports {3}polling, websocket/.test(w.output())) { clearInterval(check); resolve() } }, 50) })
  await ready
  const out = w.output()
  t.match(out, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}socketgate \S+ ready at http:\/\/127\.0\.0\.1:\d+/m)
  t.match(out, /^ +demo page +http:\/\/127\.0\.0\.1:\d+\/ {2}\(open it in two tabs and chat\)$/m)
  t.notMatch(out, /^\{"level"/m, 'no JSON line')
  w.child.kill('SIGTERM')
  t.same(await w.exited, { code: 0, signal: null })
})
