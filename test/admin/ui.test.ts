// The admin UI without a browser: its settings, what /admin serves, the modes, read-only mode and
// the audit of operator actions, with real gateways and real Socket.IO clients. Logins are in
// login.test.ts, operator mode's protocol in operator.test.ts.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import t, { type Test } from 'tap'
import { Server } from 'socket.io'
import { ASSET_DIRS, referencedFiles } from '../../src/admin/assets.js'
import { instrumentAdmin } from '../../src/admin/instrument.js'
import { rewriteIndex } from '../../src/admin/page.js'
import { createGateway, type GatewayOptions } from '../../src/app.js'
import { fromEnv, resolveConfig } from '../../src/config.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { captureLogs, connectAdmin, hashOf, PASSWORD } from './helpers.js'

let hash: string
t.before(async () => { hash = await hashOf() })

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

  t.test('ADMIN_MODE, ADMIN_USERNAME, the list size and the login backoff are checked', async (t) => {
    t.throws(() => resolveConfig(fromEnv({ ADMIN_MODE: 'debug' })), { message: 'ADMIN_MODE: "debug" is not valid; expected operator, production or development' })
    t.throws(() => resolveConfig(fromEnv({ ADMIN_USERNAME: 'ad:min' })), { message: /^ADMIN_USERNAME: "ad:min" is not valid; expected 1 to 64 characters/ })
    t.throws(() => resolveConfig(fromEnv({ ADMIN_SOCKET_LIST_MAX: '0' })), { message: 'ADMIN_SOCKET_LIST_MAX: 0 is not valid; expected an integer from 1 to 100000 (sockets)' })
    t.throws(() => resolveConfig(fromEnv({ ADMIN_LOGIN_BACKOFF_MS: '5000', ADMIN_LOGIN_BACKOFF_MAX_MS: '1000' })), {
      message: 'ADMIN_LOGIN_BACKOFF_MAX_MS: 1000 is below ADMIN_LOGIN_BACKOFF_MS (5000); expected a longest wait at least as long as the first'
    })
  })

  t.test('defaults: on, user "admin", operator mode, 1 000 sockets listed, five free logins then 1 s doubling to 5 min', async (t) => {
    t.match(resolveConfig(), {
      adminUi: true,
      adminUsername: 'admin',
      adminMode: 'operator',
      adminReadonly: false,
      adminInsecureNoAuth: false,
      adminSocketListMax: 1000,
      adminLoginFreeAttempts: 5,
      adminLoginBackoffMs: 1000,
      adminLoginBackoffMaxMs: 300_000
    })
  })
})

t.test('what /admin serves', async (t) => {
  const gw = await createGateway({ logLevel: 'silent', adminPasswordHash: hash })
  t.teardown(() => gw.close())
  const page = await gw.app.inject('/admin/')

  t.test('/admin redirects to /admin/, whose page loads nothing from another origin', async (t) => {
    const redirect = await gw.app.inject('/admin')
    t.equal(redirect.statusCode, 302)
    t.equal(redirect.headers.location, '/admin/')
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, /(href|src)="(https?:)?\/\//)
    t.match(page.body, '<link rel="stylesheet" href="vendor/mdi/css/materialdesignicons.min.css">')
    t.match(page.body, '<link rel="stylesheet" href="vendor/roboto/400.css">')
    t.match(page.headers['content-security-policy'], "default-src 'self'")
    t.equal((await gw.app.inject('/admin/index.html')).body, page.body, 'the raw index.html is never served')
  })

  t.test('the page loads the gateway\'s page script last, told the mode', async (t) => {
    t.match(page.body, /<script src="js\/app\.[0-9a-f]+\.js"><\/script><script src="socketgate-admin.js" data-mode="operator"><\/script><\/body>/)
    const script = await gw.app.inject('/admin/socketgate-admin.js')
    t.equal(script.statusCode, 200)
    t.match(script.headers['content-type'], 'text/javascript')
    t.match(script.body, 'socketgate:search')
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
  })

  t.test('/admin/vendor/… serves only the files the page\'s stylesheets load, and no source map of the bundle', async (t) => {
    for (const path of [
      '/admin/vendor/mdi/package.json',
      '/admin/vendor/mdi/scss/materialdesignicons.scss',
      '/admin/vendor/mdi/css/materialdesignicons.css',
      '/admin/vendor/mdi/preview.html',
      '/admin/vendor/roboto/package.json',
      '/admin/vendor/roboto/index.css',
      '/admin/vendor/roboto/400-italic.css',
      '/admin/vendor/roboto/files/roboto-latin-400-italic.woff2',
      '/admin/vendor/roboto/files/roboto-latin-200-normal.woff2'
    ]) {
      const res = await gw.app.inject(path)
      t.equal(res.statusCode, 404, path)
      t.equal(res.json().error.code, 'SG_NOT_FOUND', path)
    }
    const map = /src="(js\/app\.[0-9a-f]+\.js)"/.exec(page.body)![1] + '.map'
    t.equal((await gw.app.inject(`/admin/${map}`)).statusCode, 404, 'the bundle\'s source map')
    // Every file every served stylesheet names is there.
    for (const [dir, sheet, prefix] of [[ASSET_DIRS.mdi, 'css/materialdesignicons.min.css', 'mdi'], [ASSET_DIRS.roboto, '900.css', 'roboto']] as const) {
      const files = referencedFiles(await readFile(`${dir}/${sheet}`, 'utf8'), sheet)
      t.ok(files.length >= 2, `${sheet} names its fonts`)
      for (const file of files) t.equal((await gw.app.inject(`/admin/vendor/${prefix}${file}`)).statusCode, 200, file)
    }
  })

  t.test('referencedFiles resolves a stylesheet\'s urls against its folder, without query, fragment, data: or absolute urls', async (t) => {
    t.same(referencedFiles('a{src:url("../fonts/x.woff2?v=1") format("woff2"),url(../fonts/x.eot?#iefix)} b{background:url(data:image/png;base64,AA)} c{src:url(https://cdn/x)}', 'css/m.css'),
      ['/fonts/x.woff2', '/fonts/x.eot'])
    t.same(referencedFiles("@font-face{src:url(./files/r.woff2) format('woff2')}", '400.css'), ['/files/r.woff2'])
  })

  t.test('the app bundle: login dialog pre-filled with the page\'s origin, User and Node columns, the connection reachable', async (t) => {
    const script = /src="(js\/app\.[0-9a-f]+\.js)"/.exec(page.body)![1]
    const res = await gw.app.inject(`/admin/${script}`)
    t.equal(res.statusCode, 200)
    t.match(res.body, 'serverUrl:this.initialServerUrl||location.origin')
    t.match(res.body, '{text:"#",value:"id",align:"start"},{text:"User",value:"data.user"},{text:"Node",value:"data.node"}')
    t.match(res.body, '(window.socketgateAdmin={set socket(')
    t.match(res.body, /\(window\.socketgateStore=new [^(]+\.Store\(\{modules:\{config:/)
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

t.test('the modes', async (t) => {
  t.test('operator mode is the default: the UI shows its socket pages (ALL_EVENTS), and no emit is offered', async (t) => {
    const gw = await startGateway(t, { adminPasswordHash: hash })
    const { config } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
    t.same(config.supportedFeatures, ['JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS', 'ALL_EVENTS'])
  })

  t.test('production mode: the dashboard only, said at start; its page script is told so', async (t) => {
    const logs = captureLogs()
    const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminMode: 'production' } as GatewayOptions)
    const { config, heard } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
    t.same(config.supportedFeatures, ['JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS'])
    const summary = await logs.waitFor((l) => l.msg.startsWith('socketgate ') && l.msg.includes('admin UI'))
    t.match(summary.msg, 'dashboards only; ADMIN_MODE=operator lists sockets', 'the start-up summary says what the mode shows')
    t.match((await gw.app.inject('/admin/')).body, 'data-mode="production"')
    t.notOk(heard.some(([name]) => name === 'all_sockets'), 'no socket list')
  })

  t.test('development mode: admin-ui\'s own, every event; a warning at start says it copies every payload', async (t) => {
    const logs = captureLogs()
    const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminMode: 'development' } as GatewayOptions)
    const { config } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
    t.ok(config.supportedFeatures.includes('ALL_EVENTS'))
    t.ok(config.supportedFeatures.includes('EMIT'))
    const warning = await logs.waitFor((l) => l.msg.startsWith('admin UI in development mode'))
    t.equal(warning.level, 40)
    t.match(warning.msg, 'payload included, is copied to the operators')
  })
})

t.test('read-only mode', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminReadonly: true } as GatewayOptions)
  const user = await connectClient(t, gw)
  const { socket: admin, config } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })

  t.test('tells the UI no action is supported, so it hides them', async (t) => {
    t.same(config.supportedFeatures.filter((f) => ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT'].includes(f)), [])
  })

  t.test('refuses an action sent by hand, logs the refusal, leaves the client alone', async (t) => {
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
  const { socket: admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  const audit = (action: string) => logs.waitFor((l) => l.audit === 'admin' && l.action === action && l.msg === 'admin action')
  const serverSocket = () => gw.io.of('/').sockets.get(user.id!)

  admin.emit('join', '/', 'ops-red', user.id)
  t.match(await audit('join'), { namespace: '/', room: 'ops-red', socketId: user.id, adminSocketId: admin.id, address: '127.0.0.1' })
  await t.resolves(waitUntil(() => serverSocket()?.rooms.has('ops-red')), 'the socket joined')

  admin.emit('leave', '/', 'ops-red', 'chat-general')
  t.match(await audit('leave'), { namespace: '/', room: 'ops-red', targetRoom: 'chat-general' })
  await t.resolves(waitUntil(() => serverSocket()?.rooms.has('ops-red') === false), 'the socket left')

  // admin-ui's emit sends anything an operator types to users: not an operator-mode action.
  admin.emit('emit', '/', user.id, 'announce', { secret: 'payload-value' })
  t.match(await logs.waitFor((l) => l.msg === 'admin action refused' && l.action === 'emit'), { refused: 'not offered in ADMIN_MODE=operator' })

  admin.emit('join', '/nope', 'x', user.id)
  t.match(await logs.waitFor((l) => l.msg === 'admin action refused' && l.action === 'join'), { refused: 'namespace is not served by this gateway' })
  t.equal(gw.io._nsps.has('/nope'), false, 'no namespace was created')

  const userId = user.id
  const gone = nextEvent<[string]>(user, 'disconnect')
  admin.emit('_disconnect', '/', false, userId)
  const [reason] = await gone
  t.equal(reason, 'io server disconnect')
  t.match(await audit('disconnect'), { namespace: '/', socketId: userId, closeConnection: false })

  t.notMatch(JSON.stringify(logs.lines), 'payload-value', 'payloads are never logged')
  t.same(gw.app.adminUi.actions, { disconnect: 1, join: 1, leave: 1, emit: 0 })
})

t.test('development mode keeps admin-ui\'s emit, audited; a reserved event name is refused, not thrown', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminMode: 'development' } as GatewayOptions)
  const user = await connectClient(t, gw)
  const { socket: admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  const got = nextEvent<[unknown]>(user, 'announce' as never)
  admin.emit('emit', '/', user.id, 'announce', { secret: 'payload-value' })
  await got
  t.match(await logs.waitFor((l) => l.msg === 'admin action' && l.action === 'emit'), { namespace: '/', event: 'announce', socketId: user.id })
  // Socket.IO throws on a reserved name; uncaught in admin-ui's listener, it ended the process.
  admin.emit('emit', '/', null, 'disconnect', 'x')
  t.match(await logs.waitFor((l) => l.msg === 'admin action refused' && l.action === 'emit'),
    { refused: '"disconnect" is reserved by Socket.IO and cannot be emitted' })
  t.equal(user.connected, true)
  t.notMatch(JSON.stringify(logs.lines), 'payload-value', 'payloads are never logged')
})

t.test('the address in audit and refused-login lines', async (t) => {
  // What a client sends through no proxy, or through one that appends: its claim comes first.
  const forwarded = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' }

  /** The addresses one gateway logs for a client sending `forwarded`: an admin action, a refused login, an HTTP request. */
  async function loggedAddresses (t: Test, trustProxy: boolean) {
    const logs = captureLogs()
    const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, trustProxy } as GatewayOptions)
    const { socket: admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, { extraHeaders: forwarded })
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

t.test('instrumentAdmin (development mode)', async (t) => {
  let failed: (err: unknown) => void = () => {}
  const hooks = { onFailure: (err: unknown) => { failed(err) } }
  const nextFailure = () => new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no failure reported within 2000 ms')), 2000)
    failed = (err) => { clearTimeout(timer); resolve(err) }
  })

  /** A bare Socket.IO server on port 0, instrumented, and its URL. */
  async function instrumented (t: Test) {
    const http = createServer()
    const io = new Server(http)
    const result = instrumentAdmin(io, { auth: false, namespaceName: '/admin', mode: 'development', readonly: false }, hooks)
    t.teardown(async () => {
      result.stop()
      await new Promise((resolve) => { io.close(resolve) })
    })
    await new Promise<void>((resolve) => { http.listen(0, '127.0.0.1', resolve) })
    return { io, ...result, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
  }

  t.test('holds the stats timer admin-ui starts, so the gateway can stop it when it closes', async (t) => {
    const setIntervalBefore = globalThis.setInterval
    const { timers, stop } = await instrumented(t)
    t.equal(globalThis.setInterval, setIntervalBefore, 'setInterval is the real one again')
    t.equal(timers.length, 1)
    stop()
    // Node marks a cleared timer `_destroyed`; there is no public flag for it.
    t.equal((timers[0] as unknown as { _destroyed: boolean })._destroyed, true)
  })

  t.test('a cluster fetchSockets that times out costs the UI its socket list, not the process', async (t) => {
    const gw = await instrumented(t)
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
  const { socket: admin } = await connectAdmin(t, gw, { username: 'admin', password: PASSWORD })
  await t.rejects(connectAdmin(t, gw, { username: 'admin', password: 'wrong' }), { message: 'invalid credentials' })
  const gone = nextEvent(user, 'disconnect')
  admin.emit('_disconnect', '/', false, user.id)
  await gone

  const body = await scrape()
  t.equal(value(body, 'socketgate_admin_login_failures_total'), 1)
  t.equal(value(body, 'socketgate_admin_logins_throttled_total'), 0)
  t.equal(value(body, 'socketgate_admin_password_checks_total'), 2)
  t.equal(value(body, 'socketgate_admin_operators'), 1)
  t.equal(value(body, 'socketgate_admin_actions_total{action="disconnect"}'), 1)
  t.equal(value(body, 'socketgate_admin_actions_total{action="join"}'), 0)
  t.equal(value(body, 'socketgate_socket_connects_total{namespace="/"}'), 1, 'the one client')
  t.notMatch(body, 'namespace="/admin"', 'the admin namespace has no namespace-level series')
  t.equal(value(body, 'socketgate_sockets_connected{namespace="/"}'), 0, 'the client was disconnected; the operator is still connected but not counted')
  t.notMatch(body, 'socketgate_admin_cluster_messages_total{', 'a single node sends nothing to other nodes')
})

/** Resolves once `check` is true; the adapter applies joins and leaves a tick after the command. */
async function waitUntil (check: () => boolean | undefined, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (check() !== true) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
