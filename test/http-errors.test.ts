import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { createGateway } from '../src/app.js'
import { Unavailable } from '../src/errors.js'

/** A gateway with routes that fail in known ways, and the error log lines it writes. */
async function failingGateway (t: Test) {
  const logs: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line))
      done()
    }
  })
  const gw = await createGateway({ demoPage: false, logger: { level: 'error', stream } })
  t.teardown(() => gw.close())
  gw.app.get('/boom', async () => { throw new Error('db password is hunter2') })
  gw.app.get('/boom-sync', () => { throw new TypeError('cannot read x of undefined') })
  gw.app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
  gw.app.get('/down', async (_req, reply) => {
    reply.header('retry-after', '5')
    throw new Unavailable('Redis is not reachable; retry later')
  })
  await gw.app.ready()
  return { gw, logs }
}

t.test('an unexpected error in a handler is a 500 SG_INTERNAL that hides its details and is logged with the route', async (t) => {
  const { gw, logs } = await failingGateway(t)
  for (const url of ['/boom', '/boom-sync']) {
    const res = await gw.app.inject({ url })
    t.equal(res.statusCode, 500, url)
    t.same(res.json(), { ok: false, error: { code: 'SG_INTERNAL', message: 'Internal server error' } }, url)
    t.notOk(res.body.includes('hunter2') || res.body.includes('undefined'), `${url}: nothing of the error reaches the client`)
  }
  const failed = logs.filter((l) => l.msg === 'request failed')
  t.equal(failed.length, 2)
  t.match(failed[0], { level: 50, route: '/boom', err: { message: 'db password is hunter2', type: 'Error' } })
  t.match(failed[1], { route: '/boom-sync', err: { type: 'TypeError' } })
})

t.test('a client error keeps its status and message and gets a code from the gateway code space', async (t) => {
  const { gw, logs } = await failingGateway(t)
  const res = await gw.app.inject({ url: '/teapot' })
  t.equal(res.statusCode, 418)
  t.same(res.json(), { ok: false, error: { code: 'SG_BAD_REQUEST', message: 'short and stout' } })
  t.same(logs, [], 'client errors are not logged as server faults')
})

t.test('a gateway 503 reaches the caller with its code, message and Retry-After', async (t) => {
  const { gw } = await failingGateway(t)
  const res = await gw.app.inject({ url: '/down' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.same(res.json(), { ok: false, error: { code: 'SG_UNAVAILABLE', message: 'Redis is not reachable; retry later' } })
})

t.test('an unknown route is a 404 SG_NOT_FOUND naming the method and path without its query string', async (t) => {
  const { gw } = await failingGateway(t)
  for (const [method, url, path] of [
    ['GET', '/nope?token=secret', '/nope'],
    ['POST', '/api/v1/nope', '/api/v1/nope'],
    ['DELETE', '/healthz', '/healthz']
  ] as const) {
    const res = await gw.app.inject({ method, url })
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { ok: false, error: { code: 'SG_NOT_FOUND', message: `Route ${method} ${path} does not exist` } }, url)
  }
})
