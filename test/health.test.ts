import t from 'tap'
import { createGateway } from '../src/app.js'
import { connectClient, startGateway } from '../src/testing.js'

t.test('readiness is 503 starting before listen, 200 after listen and 503 draining once a drain starts; liveness is always 200', async (t) => {
  const gw = await createGateway({ logLevel: 'silent', demoPage: false })
  t.teardown(() => gw.close())
  const probe = async () => {
    const [live, ready] = [await gw.app.inject({ url: '/healthz' }), await gw.app.inject({ url: '/readyz' })]
    t.equal(live.statusCode, 200)
    t.same(live.json(), { status: 'ok' })
    return ready
  }

  const starting = await probe()
  t.equal(starting.statusCode, 503)
  t.same(starting.json(), { status: 'starting', checks: {} })

  await gw.listen({ port: 0, host: '127.0.0.1' })
  const ready = await probe()
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: {} })

  await gw.drain({ windowMs: 0 })
  const draining = await probe()
  t.equal(draining.statusCode, 503)
  t.same(draining.json(), { status: 'draining', checks: {} })
})

t.test('an embedder that starts the HTTP server itself gets a ready gateway once it listens, and clients get in', async (t) => {
  const gw = await createGateway({ logLevel: 'silent', demoPage: false })
  t.teardown(() => gw.close())
  await gw.app.ready()
  t.equal((await gw.app.inject({ url: '/readyz' })).json().status, 'starting', 'ready() alone does not make it ready')

  await new Promise<void>((resolve) => gw.app.server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
  const ready = await fetch(`${url}/readyz`)
  t.equal(ready.status, 200)
  t.same(await ready.json(), { status: 'ready', checks: {} })
  const client = await connectClient(t, { url })
  t.ok(client.connected, 'the handshake gate lets clients in')
  client.disconnect()
  await gw.close()
  t.notOk(gw.app.server.listening, 'close() closes the server it did not start')
})

t.test('a failing dependency check makes readiness 503 degraded and names the check; passing checks are listed too', async (t) => {
  const gw = await startGateway(t)
  let redisUp = false
  gw.app.lifecycle.addCheck('config', () => 'loaded')
  gw.app.lifecycle.addCheck('redis', async () => {
    if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379')
    return 'PONG'
  })

  const down = await gw.app.inject({ url: '/readyz' })
  t.equal(down.statusCode, 503)
  t.same(down.json(), {
    status: 'degraded',
    checks: { config: { ok: true, status: 'loaded' }, redis: { ok: false, status: 'connect ECONNREFUSED 127.0.0.1:6379' } }
  })
  t.equal((await gw.app.inject({ url: '/healthz' })).statusCode, 200, 'liveness does not depend on a dependency')

  redisUp = true
  const up = await gw.app.inject({ url: '/readyz' })
  t.equal(up.statusCode, 200, 'readiness comes back with the dependency')
  t.same(up.json(), { status: 'ready', checks: { config: { ok: true, status: 'loaded' }, redis: { ok: true, status: 'PONG' } } })
})

t.test('an optional check that fails keeps the node ready and says degraded; a required one makes it 503', async (t) => {
  const gw = await startGateway(t)
  let up = false
  gw.app.lifecycle.addCheck('redis', () => {
    if (!up) throw new Error('redis unreachable')
    return 'connected'
  }, { required: false })
  const degraded = await gw.app.inject({ url: '/readyz' })
  t.equal(degraded.statusCode, 200, 'still ready: it serves without that dependency')
  t.same(degraded.json(), { status: 'degraded', checks: { redis: { ok: false, status: 'redis unreachable' } } })

  gw.app.lifecycle.addCheck('redis', () => { throw new Error('redis unreachable') }, { required: true })
  const required = await gw.app.inject({ url: '/readyz' })
  t.equal(required.statusCode, 503, 'the same failure, required: not ready')
  t.equal(required.json().status, 'degraded')

  gw.app.lifecycle.addCheck('redis', () => 'connected', { required: false })
  up = true
  const back = await gw.app.inject({ url: '/readyz' })
  t.same([back.statusCode, back.json().status], [200, 'ready'])
})

t.test('a check that throws synchronously is reported, not raised', async (t) => {
  const gw = await startGateway(t)
  gw.app.lifecycle.addCheck('broken', () => { throw new TypeError('x is not a function') })
  const res = await gw.app.inject({ url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'degraded', checks: { broken: { ok: false, status: 'x is not a function' } } })
})

t.test('a check that never answers is cut off by its timeout and readiness still answers', async (t) => {
  const gw = await startGateway(t)
  gw.app.lifecycle.addCheck('stuck', () => new Promise<string>(() => {}))
  gw.app.lifecycle.addCheck('fine', () => 'ok')
  const res = await gw.app.inject({ url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'degraded', checks: { stuck: { ok: false, status: 'no answer within 1000 ms' }, fine: { ok: true, status: 'ok' } } })

  const direct = await gw.app.lifecycle.readiness(50)
  t.same(direct.checks.stuck, { ok: false, status: 'no answer within 50 ms' }, 'the bound is the timeout given')
})

t.test('while draining, readiness says draining even when a check fails', async (t) => {
  const gw = await startGateway(t)
  gw.app.lifecycle.addCheck('redis', () => { throw new Error('down') })
  await gw.drain({ windowMs: 0 })
  const res = await gw.app.inject({ url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'draining', checks: { redis: { ok: false, status: 'down' } } })
})

t.test('while the gateway closes, requests get a 503 in its error shape and health routes answer for themselves', async (t) => {
  const gw = await startGateway(t)
  // A polling client connected to a namespace that stops polling: close() waits up to its
  // grace (1 s) for the client to take its disconnect packet, with the listener still open.
  const poll = `${gw.url}/socket.io/?EIO=4&transport=polling`
  const { sid } = JSON.parse((await (await fetch(poll)).text()).slice(1)) as { sid: string }
  await fetch(`${poll}&sid=${sid}`, { method: 'POST', body: '40' })
  t.match(await (await fetch(`${poll}&sid=${sid}`)).text(), /^40\{"sid":/)

  const closing = gw.close()
  while (gw.app.lifecycle.state !== 'stopped') await new Promise((resolve) => setImmediate(resolve))
  const refused = await fetch(`${gw.url}/api/v1/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(refused.status, 503)
  t.equal(refused.headers.get('connection'), 'close', 'the client is told not to reuse this connection')
  t.match(await refused.json(), { ok: false, error: { code: 'SG_UNAVAILABLE', message: /shutting down/ } })
  const unknown = await fetch(`${gw.url}/nope`)
  t.equal(unknown.status, 503, 'every route, known or not')
  t.match(await unknown.json(), { ok: false, error: { code: 'SG_UNAVAILABLE' } })

  const ready = await fetch(`${gw.url}/readyz`)
  t.equal(ready.status, 503)
  t.match(await ready.json(), { status: 'stopped' })
  const live = await fetch(`${gw.url}/healthz`)
  t.equal(live.status, 200, 'alive while it finishes')
  await closing
})
