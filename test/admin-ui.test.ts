// The admin UI without a browser: its settings, what /admin serves, who may log in, read-only
// mode and the audit of operator actions, with real gateways and real Socket.IO clients.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import bcrypt from 'bcryptjs'
import { io as ioc, type ManagerOptions, type Socket } from 'socket.io-client'
import t, { type Test } from 'tap'
import { Server } from 'socket.io'
import { instrumentAdmin, type InstrumentOptions } from '../src/admin/instrument.js'
import { rewriteIndex } from '../src/admin/page.js'
import { createGateway, type GatewayOptions } from '../src/app.js'
import { fromEnv, resolveConfig } from '../src/config.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'

type Line = Record<string, unknown> & { level: number, msg: string }

/** A pino destination that keeps every line and lets a test wait for one. */
function captureLogs () {
  const lines: Line[] = []
  const waiting: Array<{ match: (l: Line) => boolean, resolve: (l: Line) => void }> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Line
        lines.push(line)
        for (const w of waiting.filter((w) => w.match(line))) {
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve(line)
        }
      }
      done()
    }
  })
  const waitFor = (match: (l: Line) => boolean, timeoutMs = 2000): Promise<Line> => {
    const found = lines.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms`)), timeoutMs)
      waiting.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l) } })
    })
  }
  return { logger: { level: 'info', stream }, lines, waitFor }
}

const PASSWORD = 'correct horse battery staple'
let hash: string
t.before(async () => { hash = await bcrypt.hash(PASSWORD, 4) })

interface AdminConfig { supportedFeatures: string[] }

/** Connects to the admin namespace and resolves with the `config` admin-ui sends first. */
async function connectAdmin (t: Test, gw: TestGateway, auth: Record<string, string>, opts: Partial<ManagerOptions> = {}): Promise<{ admin: Socket, config: AdminConfig }> {
  const admin = ioc(`${gw.url}/admin`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, ...opts })
  t.teardown(() => { admin.disconnect() })
  const config = await new Promise<AdminConfig>((resolve, reject) => {
    admin.once('config', resolve)
    admin.once('connect_error', reject)
  })
  return { admin, config }
}

t.test('settings', async (t) => {
  t.test('a malformed ADMIN_PASSWORD_HASH stops start-up naming the key, without echoing it', async (t) => {
    // What a shell leaves of "$2b$12$..." when it expands the dollar signs.
    const err = t.throws(() => resolveConfig(fromEnv({ ADMIN_PASSWORD_HASH: 'b2.rVG8nPlaintextLeftover' }))) as Error
    t.match(err, { code: 'SG_CONFIG_INVALID', message: /^ADMIN_PASSWORD_HASH: \(hidden\) is not valid; expected a bcrypt hash of 60 characters/ })
    t.notMatch(err.message, /Plaintext/)
    await t.rejects(createGateway({ adminPasswordHash: hash.slice(0, 59) }), { code: 'SG_CONFIG_INVALID', message: /ADMIN_PASSWORD_HASH/ })
  })

  t.test('hashes from bcryptjs and htpasswd ($2a$, $2b$, $2y$) are accepted', async (t) => {
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      t.equal(resolveConfig({ adminPasswordHash: prefix + hash.slice(4) }).adminPasswordHash, prefix + hash.slice(4))
    }
  })

  t.test('the insecure switch together with a password hash is refused', async (t) => {
    t.throws(() => resolveConfig({ adminInsecureNoAuth: true, adminPasswordHash: hash }), {
      code: 'SG_CONFIG_INVALID',
      message: 'ADMIN_INSECURE_NO_AUTH and ADMIN_PASSWORD_HASH are both set; expected at most one of them'
    })
  })

  t.test('NAMESPACES may not take the admin namespace while the admin UI is on', async (t) => {
    t.throws(() => resolveConfig({ namespaces: ['/admin'] }), {
      code: 'SG_CONFIG_INVALID',
      message: 'NAMESPACES: "/admin" is the admin UI\'s namespace; expected other names, or ADMIN_UI=false'
    })
    t.same(resolveConfig({ namespaces: ['/admin'], adminUi: false }).namespaces, ['/admin'])
  })

  t.test('ADMIN_MODE and ADMIN_USERNAME are checked', async (t) => {
    t.throws(() => resolveConfig(fromEnv({ ADMIN_MODE: 'debug' })), { message: 'ADMIN_MODE: "debug" is not valid; expected production or development' })
    t.throws(() => resolveConfig(fromEnv({ ADMIN_USERNAME: 'ad:min' })), { message: /^ADMIN_USERNAME: "ad:min" is not valid; expected 1 to 64 characters/ })
  })

  t.test('defaults: on, user "admin", production mode, not read-only', async (t) => {
    t.match(resolveConfig(), { adminUi: true, adminUsername: 'admin', adminMode: 'production', adminReadonly: false, adminInsecureNoAuth: false })
  })
})

t.test('what /admin serves', async (t) => {
  const gw = await createGateway({ logLevel: 'silent', adminPasswordHash: hash })
  t.teardown(() => gw.close())

  t.test('/admin redirects to /admin/, whose page loads nothing from another origin', async (t) => {
    const redirect = await gw.app.inject('/admin')
    t.equal(redirect.statusCode, 302)
    t.equal(redirect.headers.location, '/admin/')
    const page = await gw.app.inject('/admin/')
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, /(href|src)="(https?:)?\/\//)
    t.match(page.body, '<link rel="stylesheet" href="vendor/mdi/css/materialdesignicons.min.css">')
    t.match(page.body, '<link rel="stylesheet" href="vendor/roboto/400.css">')
    t.match(page.headers['content-security-policy'], "default-src 'self'")
    t.equal((await gw.app.inject('/admin/index.html')).body, page.body, 'the raw index.html is never served')
  })

  t.test('the fonts come from the gateway', async (t) => {
    const css = await gw.app.inject('/admin/vendor/mdi/css/materialdesignicons.min.css')
    t.equal(css.statusCode, 200)
    t.match(css.body, '../fonts/materialdesignicons-webfont.woff2')
    const mdi = await gw.app.inject('/admin/vendor/mdi/fonts/materialdesignicons-webfont.woff2')
    t.equal(mdi.statusCode, 200)
    t.equal(mdi.headers['content-type'], 'font/woff2')
    const roboto = await gw.app.inject('/admin/vendor/roboto/files/roboto-latin-400-normal.woff2')
    t.equal(roboto.statusCode, 200)
    t.equal((await gw.app.inject('/admin/vendor/mdi/package.json')).statusCode, 404, 'only css/ and fonts/ of @mdi/font')
  })

  t.test('the login dialog defaults its server URL to the page\'s origin', async (t) => {
    const script = /src="(js\/app\.[0-9a-f]+\.js)"/.exec((await gw.app.inject('/admin/')).body)?.[1]
    const res = await gw.app.inject(`/admin/${script}`)
    t.equal(res.statusCode, 200)
    t.match(res.body, 'serverUrl:this.initialServerUrl||location.origin')
  })

  t.test('a bundle page that still points at a CDN stops start-up', async (t) => {
    t.throws(() => rewriteIndex('<link rel="stylesheet" href="https://fonts.example/x.css"><script src="https://cdn.example/x.js"></script>'),
      { message: /index\.html changed shape: it still loads src="https:\/\/cdn\.example\/x\.js"/ })
    t.throws(() => rewriteIndex('<html></html>'), { message: /no CDN stylesheet found to replace/ })
  })
})

t.test('ADMIN_UI=false registers nothing: /admin is 404 and there is no admin namespace', async (t) => {
  const gw = await startGateway(t, { adminUi: false })
  const res = await gw.app.inject('/admin/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error.code, 'SG_NOT_FOUND')
  t.equal(gw.io._nsps.has('/admin'), false)
  t.equal(gw.app.hasDecorator('adminUi'), false)
})

t.test('with no hash configured, a password is generated, logged once with the URL, and works', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger } as GatewayOptions)
  const line = await logs.waitFor((l) => typeof l.password === 'string')
  const password = line.password as string
  t.equal(line.url, `${gw.url}/admin/`)
  t.equal(line.username, 'admin')
  t.match(line.msg, 'ADMIN_PASSWORD_HASH')
  t.ok(password.length >= 24, 'a long random password')
  t.equal(logs.lines.filter((l) => JSON.stringify(l).includes(password)).length, 1, 'logged exactly once')

  const { config } = await connectAdmin(t, gw, { username: 'admin', password })
  t.ok(config.supportedFeatures.includes('DISCONNECT'))
  await t.rejects(connectAdmin(t, gw, { username: 'admin', password: 'guess' }), { message: 'invalid credentials' })
  t.equal(gw.app.adminUi.loginFailures, 1)
})

t.test('a second gateway generates a different password', async (t) => {
  const passwords = []
  for (let i = 0; i < 2; i++) {
    const logs = captureLogs()
    await startGateway(t, { logger: logs.logger } as GatewayOptions)
    passwords.push((await logs.waitFor((l) => typeof l.password === 'string')).password)
  }
  t.not(passwords[0], passwords[1])
})

t.test('the insecure switch opens the UI without a password and warns at every start', async (t) => {
  for (let start = 0; start < 2; start++) {
    const logs = captureLogs()
    const gw = await startGateway(t, { logger: logs.logger, adminInsecureNoAuth: true } as GatewayOptions)
    const warning = await logs.waitFor((l) => l.level === 40 && l.msg.includes('WITHOUT a password'))
    t.equal(warning.url, `${gw.url}/admin/`)
    const { config } = await connectAdmin(t, gw, {})
    t.ok(config.supportedFeatures.includes('DISCONNECT'), `start ${start + 1}: open without credentials`)
  }
})

t.test('logins', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminUsername: 'ops' } as GatewayOptions)

  t.test('the configured user and password get in; a wrong user or password is refused and counted', async (t) => {
    await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
    await t.rejects(connectAdmin(t, gw, { username: 'admin', password: PASSWORD }), { message: 'invalid credentials' })
    await t.rejects(connectAdmin(t, gw, { username: 'ops', password: 'nope' }), { message: 'invalid credentials' })
    t.equal(gw.app.adminUi.loginFailures, 2)
    const refused = await logs.waitFor((l) => l.msg.startsWith('admin UI login refused'))
    t.equal(refused.address, '127.0.0.1')
    t.notMatch(JSON.stringify(logs.lines), 'nope', 'a tried password is never logged')
  })

  t.test('a user name without a string password is refused and counted, and the gateway lives on', async (t) => {
    // admin-ui passed these to bcrypt, which threw in an async middleware: the process ended.
    const before = gw.app.adminUi.loginFailures
    for (const auth of [{ username: 'ops' }, { username: 'ops', password: 123 }, { username: ['ops'], password: PASSWORD }]) {
      await t.rejects(connectAdmin(t, gw, auth as never), { message: 'invalid credentials' }, JSON.stringify(auth))
    }
    t.equal(gw.app.adminUi.loginFailures, before + 3)
    await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
  })

  t.test('password attempts beyond two at once are refused without a check, and counted', async (t) => {
    // Cost 12, as the docs advise: each check takes long enough for the attempts to overlap.
    const gw = await startGateway(t, { adminPasswordHash: await bcrypt.hash(PASSWORD, 12) })
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => connectAdmin(t, gw, { username: 'admin', password: 'guess' })))
    const messages = results.map((r) => r.status === 'rejected' ? (r.reason as Error).message : 'connected')
    t.ok(messages.includes('too many login attempts at once; try again in a moment'), messages.join(', '))
    t.ok(messages.every((m) => m === 'invalid credentials' || m.startsWith('too many')))
    t.equal(gw.app.adminUi.loginFailures, 6)
    await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  })

  t.test('a session id from an earlier login gets in; a stale one is refused but not counted', async (t) => {
    const admin = ioc(`${gw.url}/admin`, { auth: { username: 'ops', password: PASSWORD }, transports: ['websocket'], reconnection: false, forceNew: true })
    t.teardown(() => { admin.disconnect() })
    const [sessionId] = await nextEvent<[string]>(admin as never, 'session')
    await connectAdmin(t, gw, { sessionId })
    const before = gw.app.adminUi.loginFailures
    await t.rejects(connectAdmin(t, gw, { sessionId: 'stale' }), { message: 'invalid credentials' })
    t.equal(gw.app.adminUi.loginFailures, before)
  })

  t.test('the admin namespace gets no chat protocol', async (t) => {
    const { admin } = await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
    const socket = gw.io.of('/admin').sockets.get(admin.id!)
    t.same([...socket!.rooms], [admin.id], 'not put in the default room')
  })
})

t.test('production mode is the default: aggregates only; development mode adds every event', async (t) => {
  const prod = await startGateway(t, { adminPasswordHash: hash })
  const { config: p } = await connectAdmin(t, prod, { username: 'admin', password: PASSWORD })
  t.notOk(p.supportedFeatures.includes('ALL_EVENTS'))
  const dev = await startGateway(t, { adminPasswordHash: hash, adminMode: 'development' })
  const { config: d } = await connectAdmin(t, dev, { username: 'admin', password: PASSWORD })
  t.ok(d.supportedFeatures.includes('ALL_EVENTS'))
})

t.test('read-only mode', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminReadonly: true } as GatewayOptions)
  const user = await connectClient(t, gw)
  const { admin, config } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })

  t.test('tells the UI no action is supported, so it hides them', async (t) => {
    t.same(config.supportedFeatures.filter((f) => ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT'].includes(f)), [])
  })

  t.test('refuses and logs a hand-made disconnect packet', async (t) => {
    admin.emit('_disconnect', '/', false, user.id)
    const refused = await logs.waitFor((l) => l.msg === 'admin action refused')
    t.match(refused, { audit: 'admin', action: 'disconnect', refused: 'the admin UI is read-only (ADMIN_READONLY)' })
    t.equal(user.connected, true)
    t.equal(gw.app.adminUi.actions.disconnect, 0)
  })
})

t.test('operator actions are performed, logged as audit lines without payloads, and counted', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash } as GatewayOptions)
  const user = await connectClient(t, gw)
  const { admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  const audit = (action: string) => logs.waitFor((l) => l.audit === 'admin' && l.action === action && l.msg === 'admin action')
  const serverSocket = () => gw.io.of('/').sockets.get(user.id!)

  admin.emit('join', '/', 'ops-red', user.id)
  t.match(await audit('join'), { namespace: '/', room: 'ops-red', socketId: user.id, adminSocketId: admin.id, address: '127.0.0.1' })
  t.ok(serverSocket()?.rooms.has('ops-red'))

  admin.emit('leave', '/', 'ops-red', 'chat-general')
  t.match(await audit('leave'), { namespace: '/', room: 'ops-red', targetRoom: 'chat-general' })

  const got = nextEvent<[unknown]>(user, 'announce' as never)
  admin.emit('emit', '/', user.id, 'announce', { secret: 'payload-value' })
  await got
  t.match(await audit('emit'), { namespace: '/', event: 'announce', socketId: user.id })

  admin.emit('join', '/nope', 'x', user.id)
  t.match(await logs.waitFor((l) => l.msg === 'admin action refused'), { action: 'join', refused: 'namespace is not served by this gateway' })
  t.equal(gw.io._nsps.has('/nope'), false, 'no namespace was created')

  // Socket.IO throws on a reserved name; uncaught in admin-ui's listener, it ended the process.
  admin.emit('emit', '/', null, 'disconnect', 'x')
  t.match(await logs.waitFor((l) => l.msg === 'admin action refused' && l.action === 'emit'),
    { refused: '"disconnect" is reserved by Socket.IO and cannot be emitted' })
  t.equal(user.connected, true)

  const userId = user.id
  const gone = nextEvent<[string]>(user, 'disconnect')
  admin.emit('_disconnect', '/', false, userId)
  const [reason] = await gone
  t.equal(reason, 'io server disconnect')
  t.match(await audit('disconnect'), { namespace: '/', socketId: userId, closeConnection: false })

  t.notMatch(JSON.stringify(logs.lines), 'payload-value', 'payloads are never logged')
  t.same(gw.app.adminUi.actions, { disconnect: 1, join: 1, leave: 1, emit: 1 })
})

t.test('the address in audit and refused-login lines', async (t) => {
  // What a client sends through no proxy, or through one that appends: its claim comes first.
  const forwarded = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' }

  /** The addresses one gateway logs for a client sending `forwarded`: an admin action, a refused login, an HTTP request. */
  async function loggedAddresses (t: Test, trustProxy: boolean) {
    const logs = captureLogs()
    const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, trustProxy } as GatewayOptions)
    const { admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, { extraHeaders: forwarded })
    admin.emit('join', '/', 'ops-red')
    await t.rejects(connectAdmin(t, gw, { username: 'admin', password: 'nope' }, { extraHeaders: forwarded }), { message: 'invalid credentials' })
    await (await fetch(`${gw.url}/no-such-route`, { headers: forwarded })).arrayBuffer()
    const [action, refused, request] = await Promise.all([
      logs.waitFor((l) => l.msg === 'admin action'),
      logs.waitFor((l) => l.msg.startsWith('admin UI login refused')),
      logs.waitFor((l) => (l.req as { url?: string } | undefined)?.url === '/no-such-route')
    ])
    return { action: action.address, refused: refused.address, request: (request.req as { remoteAddress: string }).remoteAddress }
  }

  t.test('with TRUST_PROXY, X-Forwarded-For\'s first entry, as Fastify logs HTTP requests', async (t) => {
    t.same(await loggedAddresses(t, true), { action: '203.0.113.7', refused: '203.0.113.7', request: '203.0.113.7' })
  })

  t.test('without it, the TCP peer: a client cannot choose the address it is logged with', async (t) => {
    t.same(await loggedAddresses(t, false), { action: '127.0.0.1', refused: '127.0.0.1', request: '127.0.0.1' })
  })
})

t.test('instrumentAdmin', async (t) => {
  let failed: (err: unknown) => void = () => {}
  const hooks = { onRefused: () => {}, onFailure: (err: unknown) => { failed(err) } }
  const nextFailure = () => new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no failure reported within 2000 ms')), 2000)
    failed = (err) => { clearTimeout(timer); resolve(err) }
  })

  /** A bare Socket.IO server on port 0, instrumented, and its URL. */
  async function instrumented (t: Test, options: Partial<InstrumentOptions>) {
    const http = createServer()
    const io = new Server(http)
    const result = instrumentAdmin(io, { auth: false, namespaceName: '/admin', mode: 'production', readonly: false, ...options }, hooks)
    t.teardown(async () => {
      result.stop()
      await new Promise((resolve) => { io.close(resolve) })
    })
    await new Promise<void>((resolve) => { http.listen(0, '127.0.0.1', resolve) })
    return { io, ...result, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
  }

  t.test('holds the stats timer admin-ui starts, so the gateway can stop it when it closes', async (t) => {
    const setIntervalBefore = globalThis.setInterval
    const { timers, stop } = await instrumented(t, {})
    t.equal(globalThis.setInterval, setIntervalBefore, 'setInterval is the real one again')
    t.equal(timers.length, 1)
    stop()
    // Node marks a cleared timer `_destroyed`; there is no public flag for it.
    t.equal((timers[0] as unknown as { _destroyed: boolean })._destroyed, true)
  })

  t.test('a session store that fails refuses that login and nothing else happens', async (t) => {
    const store = { doesSessionExist: async () => { throw new Error('session store unreachable') }, saveSession: () => {} }
    const gw = await instrumented(t, { auth: { type: 'basic', username: 'admin', password: hash }, store })
    const failure = nextFailure()
    await t.rejects(connectAdmin(t, gw as unknown as TestGateway, { sessionId: 'abc' }), { message: 'admin login failed on the server; see its log' })
    t.match(await failure, { message: 'session store unreachable' })
    await connectAdmin(t, gw as unknown as TestGateway, { username: 'admin', password: PASSWORD })
  })

  t.test('a cluster fetchSockets that times out costs the UI its socket list, not the process', async (t) => {
    const gw = await instrumented(t, { mode: 'development' })
    // What @socket.io/redis-adapter does when another node does not answer in time.
    gw.io.of('/').adapter.fetchSockets = async () => { throw new Error('timeout reached while waiting for fetchSockets response') }
    const failure = nextFailure()
    await connectAdmin(t, gw as unknown as TestGateway, {})
    t.match(await failure, { message: /^timeout reached/ })
  })
})

t.test('on /metrics, refused logins and operator actions are counted, and operators are not counted as clients', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: hash })
  const scrape = async (): Promise<string> => (await gw.app.inject({ url: '/metrics' })).body
  const value = (body: string, series: string): number | undefined => {
    const line = body.split('\n').find((l) => l.startsWith(series + ' '))
    return line === undefined ? undefined : Number(line.slice(series.length + 1))
  }
  const user = await connectClient(t, gw)
  const { admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  await t.rejects(connectAdmin(t, gw, { username: 'admin', password: 'wrong' }), { message: 'invalid credentials' })
  const gone = nextEvent(user, 'disconnect')
  admin.emit('_disconnect', '/', false, user.id)
  await gone

  const body = await scrape()
  t.equal(value(body, 'socketgate_admin_login_failures_total'), 1)
  t.equal(value(body, 'socketgate_admin_actions_total{action="disconnect"}'), 1)
  t.equal(value(body, 'socketgate_admin_actions_total{action="join"}'), 0)
  t.equal(value(body, 'socketgate_socket_connects_total{namespace="/"}'), 1, 'the one client')
  t.notMatch(body, 'namespace="/admin"', 'the admin namespace has no namespace-level series')
  t.equal(value(body, 'socketgate_sockets_connected{namespace="/"}'), 0, 'the client was disconnected; the operator is still connected but not counted')
})
