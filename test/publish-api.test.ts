import t from 'tap'
import type { GatewayClient } from '../src/client.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'

const KEY = 'publish-key-0123456789'
const AUTH = { authorization: `Bearer ${KEY}` }

type Headers = Record<string, string>

function publish (gw: TestGateway, payload: unknown, headers: Headers = AUTH) {
  return gw.app.inject({ method: 'POST', url: '/api/v1/publish', headers, payload: payload as string })
}

/** Every event a client receives, in arrival order. */
function record (client: GatewayClient): unknown[][] {
  const seen: unknown[][] = []
  client.onAny((event: string, ...args: unknown[]) => { seen.push([event, ...args]) })
  return seen
}

/**
 * Publishes a `fence` event to every given namespace and waits until each client has it: Socket.IO
 * keeps order per connection, so whatever a client did not get before its fence, it never will.
 */
async function fence (gw: TestGateway, clients: GatewayClient[], namespaces = ['/']): Promise<void> {
  const arrived = clients.map((c) => nextEvent(c, 'fence'))
  for (const namespace of namespaces) {
    const res = await publish(gw, { namespace, event: 'fence' })
    if (res.statusCode !== 200) throw new Error(`fence publish failed: ${res.body}`)
  }
  await Promise.all(arrived)
}

const withoutFence = (seen: unknown[][]) => seen.filter(([event]) => event !== 'fence')

t.test('a publish without a room reaches every socket of the default namespace, and only those', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, namespaces: ['/chat'] })
  const onRoot = [
    await connectClient(t, gw),
    await connectClient(t, gw, { transports: ['polling'] }),
    await connectClient(t, gw, { transports: ['polling', 'websocket'] })
  ]
  const onChat = await connectClient(t, gw, { nsp: '/chat' })
  const seen = [...onRoot, onChat].map(record)

  const res = await publish(gw, { event: 'news', data: { headline: 'hi', n: [1, 2] } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { ok: true, recipients: 3, scope: 'local' })

  await fence(gw, [...onRoot, onChat], ['/', '/chat'])
  for (const s of seen.slice(0, 3)) t.same(withoutFence(s), [['news', { headline: 'hi', n: [1, 2] }]])
  t.same(withoutFence(seen[3]!), [], 'a socket of /chat does not get a publish to /')
})

t.test('a publish to a room reaches only the sockets that joined that room', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  const clients = [
    await connectClient(t, gw),
    await connectClient(t, gw, { transports: ['polling'] }),
    await connectClient(t, gw)
  ]
  for (const c of clients.slice(0, 2)) t.same(await c.timeout(2000).emitWithAck('room:join', 'news'), { ok: true })
  const seen = clients.map(record)

  const res = await publish(gw, { room: 'news', event: 'headline', data: 'extra!' })
  t.same(res.json(), { ok: true, recipients: 2, scope: 'local' })

  await fence(gw, clients)
  t.same(withoutFence(seen[0]!), [['headline', 'extra!']])
  t.same(withoutFence(seen[1]!), [['headline', 'extra!']])
  t.same(withoutFence(seen[2]!), [], 'a socket outside the room gets nothing')
})

t.test('a publish to a configured namespace reaches only that namespace, room included', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, namespaces: ['/chat'] })
  const root = await connectClient(t, gw)
  const chat = [await connectClient(t, gw, { nsp: '/chat' }), await connectClient(t, gw, { nsp: '/chat', transports: ['polling'] })]
  t.same(await root.timeout(2000).emitWithAck('room:join', 'ops'), { ok: true })
  t.same(await chat[0]!.timeout(2000).emitWithAck('room:join', 'ops'), { ok: true })
  const seen = [root, ...chat].map(record)

  const all = await publish(gw, { namespace: '/chat', event: 'hello' })
  t.same(all.json(), { ok: true, recipients: 2, scope: 'local' })
  const room = await publish(gw, { namespace: '/chat', room: 'ops', event: 'page', data: 1 })
  t.same(room.json(), { ok: true, recipients: 1, scope: 'local' })

  await fence(gw, [root, ...chat], ['/', '/chat'])
  t.same(withoutFence(seen[0]!), [], 'the same room name in / is another room')
  t.same(withoutFence(seen[1]!), [['hello'], ['page', 1]], 'an event without data arrives without arguments')
  t.same(withoutFence(seen[2]!), [['hello']])
})

t.test('a publish to a room nobody is in succeeds with zero recipients', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  await connectClient(t, gw)
  const res = await publish(gw, { room: 'empty-room', event: 'x' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { ok: true, recipients: 0, scope: 'local' })
})

t.test('a request without the right bearer key is refused with 401 and a WWW-Authenticate challenge', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  const client = await connectClient(t, gw)
  const seen = record(client)
  const cases: Array<[string, Headers]> = [
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer wrong-key-0123456789' }],
    ['the key without the Bearer scheme', { authorization: KEY }],
    ['another scheme', { authorization: `Basic ${KEY}` }],
    ['the key with a trailing space', { authorization: `Bearer ${KEY} ` }]
  ]
  for (const [what, headers] of cases) {
    for (const req of [
      () => publish(gw, { event: 'x' }, headers),
      () => gw.app.inject({ method: 'GET', url: '/api/v1/rooms', headers })
    ]) {
      const res = await req()
      t.equal(res.statusCode, 401, what)
      t.equal(res.headers['www-authenticate'], 'Bearer realm="socketgate"', what)
      t.same(res.json(), {
        ok: false,
        error: { code: 'SG_UNAUTHORIZED', message: 'Missing or wrong API key; expected the header "Authorization: Bearer <PUBLISH_API_KEY>"' }
      }, what)
    }
  }
  await fence(gw, [client])
  t.same(withoutFence(seen), [], 'nothing refused was delivered')
})

t.test('the Bearer scheme is matched in any case, the key exactly', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  for (const scheme of ['bearer', 'BEARER', 'Bearer  ']) {
    const res = await publish(gw, { event: 'x' }, { authorization: `${scheme} ${KEY}` })
    t.equal(res.statusCode, 200, JSON.stringify(scheme))
  }
  const res = await publish(gw, { event: 'x' }, { authorization: `Bearer ${KEY.toUpperCase()}` })
  t.equal(res.statusCode, 401, 'the key is case-sensitive')
  t.equal(res.json().error.code, 'SG_UNAUTHORIZED')
})

t.test('a bad request body is refused with a message naming the field, and connected clients are not disturbed', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, maxHttpBufferSize: 4096 })
  const clients = [await connectClient(t, gw), await connectClient(t, gw, { transports: ['polling'] })]
  const seen = clients.map(record)
  const json = { ...AUTH, 'content-type': 'application/json' }
  const cases: Array<{ what: string, payload: unknown, headers?: Headers, status: number, message: string | RegExp }> = [
    { what: 'missing event', payload: { data: 1 }, status: 400, message: 'body/event is missing; it is required' },
    { what: 'event a number (not coerced)', payload: { event: 42 }, status: 400, message: 'body/event must be string, got number' },
    { what: 'event a boolean (not coerced)', payload: { event: true }, status: 400, message: 'body/event must be string, got boolean' },
    { what: 'empty event', payload: { event: '' }, status: 400, message: 'body/event must NOT have fewer than 1 characters' },
    { what: 'room a number', payload: { event: 'x', room: 7 }, status: 400, message: 'body/room must be string, got number' },
    {
      what: 'an unknown extra property',
      payload: { event: 'x', rooms: ['a'] },
      status: 400,
      message: 'body/rooms is not accepted; expected only namespace, room, event, data'
    },
    { what: 'a body that is an array', payload: [{ event: 'x' }], status: 400, message: 'body must be object, got array' },
    {
      what: 'the reserved event disconnect',
      payload: { event: 'disconnect' },
      status: 400,
      message: 'body/event "disconnect" is reserved by Socket.IO; expected an event name of your own'
    },
    { what: 'the reserved event connect', payload: { event: 'connect' }, status: 400, message: /^body\/event "connect" is reserved/ },
    {
      what: 'a room name with spaces',
      payload: { event: 'x', room: 'two words' },
      status: 400,
      message: 'body/room "two words" is not valid; expected 1 to 64 letters, digits, _ . : -'
    },
    {
      what: 'a room shaped like a socket id',
      payload: { event: 'x', room: 'AAAAAAAAAAAAAAAAAAAA' },
      status: 400,
      message: 'body/room "AAAAAAAAAAAAAAAAAAAA" is reserved (it has the shape of a socket id)'
    },
    {
      what: 'malformed JSON',
      payload: '{"event": "x",',
      headers: json,
      status: 400,
      message: "Body is not valid JSON but content-type is set to 'application/json'"
    },
    {
      what: 'an empty JSON body',
      payload: '',
      headers: json,
      status: 400,
      message: "Body cannot be empty when content-type is set to 'application/json'"
    },
    {
      what: 'a text/plain body',
      payload: '{"event":"x"}',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      status: 415,
      message: 'Content-Type "text/plain" is not accepted; expected application/json'
    },
    {
      what: 'a form body',
      payload: 'event=x',
      headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      message: 'Content-Type "application/x-www-form-urlencoded" is not accepted; expected application/json'
    },
    {
      what: 'a body larger than maxHttpBufferSize',
      payload: { event: 'x', data: 'y'.repeat(5000) },
      status: 413,
      message: 'Request body is too large; expected at most 4096 bytes (MAX_HTTP_BUFFER_SIZE)'
    }
  ]
  for (const c of cases) {
    const res = await publish(gw, c.payload, c.headers)
    t.equal(res.statusCode, c.status, `${c.what}: status`)
    const body = res.json()
    t.equal(body.ok, false, c.what)
    t.equal(body.error.code, 'SG_BAD_REQUEST', `${c.what}: code`)
    if (typeof c.message === 'string') t.equal(body.error.message, c.message, `${c.what}: message`)
    else t.match(body.error.message, c.message, `${c.what}: message`)
  }

  const next = clients.map((c) => nextEvent(c, 'after'))
  t.same((await publish(gw, { event: 'after', data: 'still here' })).json(), { ok: true, recipients: 2, scope: 'local' })
  await Promise.all(next)
  for (const s of seen) t.same(s, [['after', 'still here']], 'refused requests delivered nothing; the next good one arrives')
})

t.test('a publish to a namespace the gateway does not serve is a 404 that lists the served ones', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, namespaces: ['/chat'] })
  const res = await publish(gw, { namespace: '/nope', event: 'x' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { ok: false, error: { code: 'SG_UNKNOWN_NAMESPACE', message: 'Namespace /nope is not served; expected one of /, /chat' } })
  t.notOk(gw.io._nsps.has('/nope'), 'no namespace was created on the way')
})

t.test('without a publish API key every API route answers 404 SG_API_DISABLED', async (t) => {
  const gw = await startGateway(t)
  for (const res of [
    await publish(gw, { event: 'x' }),
    await publish(gw, { event: 'x' }, {}),
    await gw.app.inject({ method: 'GET', url: '/api/v1/rooms' })
  ]) {
    t.equal(res.statusCode, 404)
    t.same(res.json(), {
      ok: false,
      error: { code: 'SG_API_DISABLED', message: 'The HTTP API is off on this gateway; set PUBLISH_API_KEY to turn it on' }
    })
    t.notOk(res.headers['www-authenticate'], 'no challenge for an API that is off')
  }
})

t.test('GET /api/v1/rooms lists joined rooms with exact counts per namespace, never socket-id rooms', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, namespaces: ['/chat'] })
  const root = [
    await connectClient(t, gw),
    await connectClient(t, gw, { transports: ['polling'] }),
    await connectClient(t, gw)
  ]
  const chat = await connectClient(t, gw, { nsp: '/chat' })
  const join = async (c: GatewayClient, room: string) => t.same(await c.timeout(2000).emitWithAck('room:join', room), { ok: true })
  await join(root[0]!, 'alpha')
  await join(root[1]!, 'alpha')
  await join(root[2]!, 'beta')
  await join(chat, 'gamma')

  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/rooms', headers: AUTH })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    namespaces: [
      {
        namespace: '/',
        sockets: 3,
        rooms: [{ room: 'chat-general', sockets: 3 }, { room: 'alpha', sockets: 2 }, { room: 'beta', sockets: 1 }],
        totalRooms: 3
      },
      { namespace: '/chat', sockets: 1, rooms: [{ room: 'chat-general', sockets: 1 }, { room: 'gamma', sockets: 1 }], totalRooms: 2 }
    ]
  })
  const ids = [...root, chat].map((c) => c.id)
  for (const id of ids) t.notOk(res.body.includes(id!), 'a socket id never appears as a room')

  const filtered = await gw.app.inject({ method: 'GET', url: '/api/v1/rooms?namespace=%2Fchat', headers: AUTH })
  t.same(filtered.json().namespaces.map((n: { namespace: string }) => n.namespace), ['/chat'])

  const limited = await gw.app.inject({ method: 'GET', url: '/api/v1/rooms?namespace=/&limit=1', headers: AUTH })
  t.same(limited.json(), { namespaces: [{ namespace: '/', sockets: 3, rooms: [{ room: 'chat-general', sockets: 3 }], totalRooms: 3 }] })

  // Counts follow leaves and disconnects.
  t.same(await root[0]!.timeout(2000).emitWithAck('room:leave', 'alpha'), { ok: true })
  const gone = gw.io.of('/').sockets.get(root[1]!.id!)!
  const left = new Promise((resolve) => gone.once('disconnect', resolve))
  root[1]!.disconnect()
  await left
  const after = await gw.app.inject({ method: 'GET', url: '/api/v1/rooms?namespace=/', headers: AUTH })
  t.same(after.json().namespaces[0], { namespace: '/', sockets: 2, rooms: [{ room: 'chat-general', sockets: 2 }, { room: 'beta', sockets: 1 }], totalRooms: 2 })
})

t.test('GET /api/v1/rooms refuses an unknown namespace, a bad limit and unknown parameters', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY })
  const get = (qs: string) => gw.app.inject({ method: 'GET', url: `/api/v1/rooms?${qs}`, headers: AUTH })
  const unknown = await get('namespace=/nope')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json().error, { code: 'SG_UNKNOWN_NAMESPACE', message: 'Namespace /nope is not served; expected one of /' })
  for (const [qs, message] of [
    ['limit=0', 'querystring/limit must be >= 1'],
    ['limit=ten', 'querystring/limit must be integer, got string'],
    ['limit=10001', 'querystring/limit must be <= 10000'],
    ['sort=name', 'querystring/sort is not accepted; expected only namespace, limit']
  ] as const) {
    const res = await get(qs)
    t.equal(res.statusCode, 400, qs)
    t.same(res.json().error, { code: 'SG_BAD_REQUEST', message }, qs)
  }
})
