// The admin login: who gets in, the per-address throttle with backoff, the password checks on a
// worker thread, the same work for a wrong user name as for a wrong password, sampled logs.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import bcrypt from 'bcryptjs'
import { Server } from 'socket.io'
import { io as ioc } from 'socket.io-client'
import t from 'tap'
import { installLogin } from '../../src/admin/logins.js'
import type { GatewayOptions } from '../../src/app.js'
import { CheckerBusy, PasswordChecker } from '../../src/admin/password-checker.js'
import { SampledLog } from '../../src/admin/sampled-log.js'
import { LoginThrottle } from '../../src/admin/throttle.js'
import { startGateway } from '../../src/testing.js'
import { captureLogs, connectAdmin, hashOf, PASSWORD } from './helpers.js'

let hash: string
t.before(async () => { hash = await hashOf() })

/** Rejects with the connect_error (message and `data.code`) of a refused login. */
const refusal = async (p: Promise<unknown>): Promise<{ message: string, code: unknown }> => {
  try {
    await p
  } catch (err) {
    return { message: (err as Error).message, code: (err as { data?: { code?: unknown } }).data?.code }
  }
  throw new Error('the login was accepted')
}

t.test('LoginThrottle', async (t) => {
  let now = 1_000_000
  const throttle = (max = 60_000) => new LoginThrottle({ freeAttempts: 3, backoffMs: 1000, backoffMaxMs: max, now: () => now })

  t.test('free attempts, then a wait that doubles with each wrong one up to the ceiling', async (t) => {
    const th = throttle(5000)
    t.same([1, 2, 3, 4, 5, 6, 7, 8].map((n) => th.waitAfter(n)), [0, 0, 0, 1000, 2000, 4000, 5000, 5000])
    for (let i = 0; i < 3; i++) {
      const a = th.admit('198.51.100.1')
      t.equal(a.ok, true)
      if (a.ok) a.release('failure')
    }
    const fourth = th.admit('198.51.100.1')
    t.equal(fourth.ok, true, 'the fourth is checked (its own failure starts the wait)')
    if (fourth.ok) fourth.release('failure')
    t.match(th.admit('198.51.100.1'), { ok: false, reason: 'backoff', retryAfterMs: 1000 })
    t.equal(th.admit('203.0.113.7').ok, true, 'another address is not affected')
    now += 1000
    t.equal(th.admit('198.51.100.1').ok, true, 'after the wait, one more attempt')
  })

  t.test('one attempt per address at a time; a success forgets its failures and makes it known for a week', async (t) => {
    const th = throttle()
    t.equal(th.isKnown('198.51.100.2'), false)
    const first = th.admit('198.51.100.2')
    t.match(th.admit('198.51.100.2'), { ok: false, reason: 'in flight' })
    if (first.ok) first.release('success')
    t.equal(th.size, 0)
    t.equal(th.isKnown('198.51.100.2'), true)
    now += 7 * 24 * 3600_000
    t.equal(th.isKnown('198.51.100.2'), false, 'for a week')
    const again = th.admit('198.51.100.2')
    if (again.ok) again.release('unchecked')
    t.equal(th.admit('198.51.100.2').ok, true, 'an unchecked attempt (checker busy) costs nothing')
  })

  t.test('an address quiet for long starts over; memory is bounded by the number of addresses kept', async (t) => {
    const th = new LoginThrottle({ freeAttempts: 1, backoffMs: 1000, backoffMaxMs: 1000, maxAddresses: 100, now: () => now })
    for (let i = 0; i < 2; i++) {
      now += 1000
      const a = th.admit('198.51.100.3')
      if (a.ok) a.release('failure')
    }
    t.equal(th.admit('198.51.100.3').ok, false)
    now += 15 * 60_000 + 1
    const after = th.admit('198.51.100.3')
    t.equal(after.ok, true, 'forgotten after 15 minutes without a failure')
    if (after.ok) after.release('failure')
    for (let i = 0; i < 1000; i++) {
      const a = th.admit(`10.0.${i >> 8}.${i & 255}`)
      if (a.ok) a.release('failure')
    }
    t.equal(th.size, 100)
  })
})

t.test('SampledLog writes a few lines per window, then says how many it left out', async (t) => {
  let now = 0
  const log = new SampledLog({ perWindow: 2, windowMs: 1000, now: () => now })
  const written: number[] = []
  for (let i = 0; i < 5; i++) log.line((suppressed) => written.push(suppressed))
  t.same(written, [0, 0])
  now += 1000
  log.line((suppressed) => written.push(suppressed))
  t.same(written, [0, 0, 3])
})

t.test('PasswordChecker', async (t) => {
  t.test('checks on its worker thread, and refuses at once beyond its queue', async (t) => {
    // One running, one waiting: a third is refused.
    const checker = new PasswordChecker({ maxPending: 1 })
    t.teardown(() => checker.close())
    const slow = await bcrypt.hash(PASSWORD, 10)
    const [right, wrong, busy] = await Promise.allSettled([checker.check(PASSWORD, slow), checker.check('guess', slow), checker.check(PASSWORD, slow)])
    t.same([right, wrong], [{ status: 'fulfilled', value: true }, { status: 'fulfilled', value: false }])
    t.equal(busy.status, 'rejected')
    t.ok((busy as PromiseRejectedResult).reason instanceof CheckerBusy)
    t.equal(checker.checks, 2)
    t.equal(await checker.check('x', 'not a bcrypt hash'), false, 'a malformed hash is a mismatch, not a crash')
  })

  t.test('a known operator\'s check goes before those waiting in the normal lane', async (t) => {
    const checker = new PasswordChecker()
    t.teardown(() => checker.close())
    const slow = await bcrypt.hash(PASSWORD, 8)
    const order: string[] = []
    const run = (name: string, priority = false) => checker.check('guess', slow, priority).then(() => { order.push(name) })
    await Promise.all([run('first'), run('second'), run('third'), run('operator', true)])
    t.same(order, ['first', 'operator', 'second', 'third'], 'the one running finishes, then the operator\'s')
  })

  t.test('closing rejects what waits', async (t) => {
    const checker = new PasswordChecker()
    const slow = await bcrypt.hash(PASSWORD, 10)
    const pending = t.rejects(checker.check(PASSWORD, slow), { message: 'the password checker is closed' })
    await checker.close()
    await pending
    await t.rejects(checker.check(PASSWORD, hash), { message: 'the password checker is closed' })
  })
})

t.test('logins', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, adminUsername: 'ops' } as GatewayOptions)

  t.test('the configured user and password get in; a wrong user or password is refused and counted', async (t) => {
    await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
    t.same(await refusal(connectAdmin(t, gw, { username: 'admin', password: PASSWORD })), { message: 'invalid credentials', code: 'SG_ADMIN_LOGIN_REFUSED' })
    t.same(await refusal(connectAdmin(t, gw, { username: 'ops', password: 'nope' })), { message: 'invalid credentials', code: 'SG_ADMIN_LOGIN_REFUSED' })
    t.equal(gw.app.adminUi.loginFailures, 2)
    const refused = await logs.waitFor((l) => l.msg.startsWith('admin UI login refused'))
    t.equal(refused.address, '127.0.0.1')
    t.notMatch(JSON.stringify(logs.lines), 'nope', 'a tried password is never logged')
  })

  t.test('a wrong user name costs a password check, as a wrong password does: no user name oracle', async (t) => {
    const before = gw.app.adminUi.passwordChecks()
    await refusal(connectAdmin(t, gw, { username: 'nobody', password: PASSWORD }))
    t.equal(gw.app.adminUi.passwordChecks(), before + 1, 'wrong user name: checked')
    await refusal(connectAdmin(t, gw, { username: 'ops', password: 'nope' }))
    t.equal(gw.app.adminUi.passwordChecks(), before + 2, 'wrong password: checked')
  })

  t.test('a user name without a string password is refused and counted, unchecked, and the gateway lives on', async (t) => {
    // admin-ui passed these to bcrypt, which threw in an async middleware: the process ended.
    const before = gw.app.adminUi.loginFailures
    const checks = gw.app.adminUi.passwordChecks()
    for (const auth of [{ username: 'ops' }, { username: 'ops', password: 123 }, { username: ['ops'], password: PASSWORD }]) {
      t.match(await refusal(connectAdmin(t, gw, auth)), { message: 'invalid credentials' }, JSON.stringify(auth))
    }
    t.equal(gw.app.adminUi.loginFailures, before + 3)
    t.equal(gw.app.adminUi.passwordChecks(), checks)
    await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
  })

  t.test('the session id arrives after "connect", where the UI listens for it, and gets in again; a stale one is refused, not counted', async (t) => {
    const admin = ioc(`${gw.url}/admin`, { auth: { username: 'ops', password: PASSWORD }, transports: ['websocket'], reconnection: false, forceNew: true })
    t.teardown(() => { admin.disconnect() })
    // As admin-ui's App.vue does: its listeners are registered in the "connect" handler.
    const sessionId = await new Promise<string>((resolve, reject) => {
      admin.once('connect', () => { admin.once('session', resolve) })
      admin.once('connect_error', reject)
    })
    t.match(sessionId, /^[0-9a-f]{32}$/)
    await connectAdmin(t, gw, { sessionId })
    const before = gw.app.adminUi.loginFailures
    t.match(await refusal(connectAdmin(t, gw, { sessionId: 'stale' })), { message: 'invalid credentials' })
    t.equal(gw.app.adminUi.loginFailures, before)
  })

  t.test('the admin namespace gets no chat protocol', async (t) => {
    const { socket: admin } = await connectAdmin(t, gw, { username: 'ops', password: PASSWORD })
    const socket = gw.io.of('/admin').sockets.get(admin.id!)
    t.same([...socket!.rooms], [admin.id], 'not put in the default room')
  })
})

t.test('a session store that fails refuses that login and nothing else happens', async (t) => {
  // A bare Socket.IO server with the login in front of its admin namespace: the gateway's own
  // stores never throw (the Redis one answers "no session" while Redis is away).
  const http = createServer()
  const io = new Server(http)
  const checker = new PasswordChecker()
  const failures: unknown[] = []
  installLogin(io.of('/admin'), {
    auth: { type: 'basic', username: 'admin', password: hash },
    store: { doesSessionExist: async () => { throw new Error('session store unreachable') }, saveSession: () => {} },
    throttle: new LoginThrottle({ freeAttempts: 5, backoffMs: 1000, backoffMaxMs: 1000 }),
    checker,
    address: (socket) => socket.handshake.address,
    onRefused: () => {},
    onThrottled: () => {},
    onFailure: (err) => { failures.push(err) }
  })
  io.of('/admin').on('connection', (socket) => { socket.emit('config', { supportedFeatures: [] }) })
  t.teardown(async () => {
    await checker.close()
    await new Promise((resolve) => { io.close(resolve) })
  })
  await new Promise<void>((resolve) => { http.listen(0, '127.0.0.1', resolve) })
  const server = { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
  t.match(await refusal(connectAdmin(t, server, { sessionId: 'abc' })), { message: 'admin login failed on the server; see its log' })
  t.match(failures, [{ message: 'session store unreachable' }])
  await connectAdmin(t, server, { username: 'admin', password: PASSWORD })
})

t.test('the login is throttled per address while an operator from another address still logs in', async (t) => {
  const logs = captureLogs()
  // TRUST_PROXY: each client's address is its X-Forwarded-For, as behind the deploy/ balancers.
  const gw = await startGateway(t, {
    logger: logs.logger, adminPasswordHash: hash, trustProxy: true, adminLoginFreeAttempts: 3, adminLoginBackoffMs: 60_000
  } as GatewayOptions)
  const attacker = { extraHeaders: { 'x-forwarded-for': '198.51.100.66' } }
  const operator = { extraHeaders: { 'x-forwarded-for': '203.0.113.7' } }
  const checks = gw.app.adminUi.passwordChecks()
  for (let i = 0; i < 4; i++) {
    t.same(await refusal(connectAdmin(t, gw, { username: 'admin', password: `guess-${i}` }, attacker)), { message: 'invalid credentials', code: 'SG_ADMIN_LOGIN_REFUSED' })
  }
  for (let i = 0; i < 5; i++) {
    const { message, code } = await refusal(connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, attacker))
    t.equal(code, 'SG_ADMIN_LOGIN_THROTTLED')
    t.match(message, /^too many wrong logins from your address; try again in (60|59) s$/)
  }
  t.equal(gw.app.adminUi.passwordChecks(), checks + 4, 'throttled attempts, even with the right password, cost no check')
  t.equal(gw.app.adminUi.loginsThrottled, 5)
  await connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, operator)
  t.pass('the operator from another address got in')
  const line = await logs.waitFor((l) => l.msg.startsWith('admin UI login refused unchecked'))
  t.match(line, { address: '198.51.100.66', level: 40 })
  const body = (await gw.app.inject('/metrics')).body
  t.match(body, /^socketgate_admin_logins_throttled_total 5$/m)
  t.match(body, /^socketgate_admin_login_failures_total 4$/m)
})

t.test('attempts in flight from one address cannot lock out an operator from another', async (t) => {
  // Cost 10: each check takes long enough for the attacker's attempts to overlap.
  const gw = await startGateway(t, { adminPasswordHash: await bcrypt.hash(PASSWORD, 10), trustProxy: true })
  const attacker = { extraHeaders: { 'x-forwarded-for': '198.51.100.77' } }
  const flood = Promise.all(Array.from({ length: 8 }, (_v, i) => refusal(connectAdmin(t, gw, { username: 'admin', password: `guess-${i}` }, attacker))))
  await connectAdmin(t, gw, { username: 'admin', password: PASSWORD }, { extraHeaders: { 'x-forwarded-for': '203.0.113.8' } })
  t.pass('the operator got in while the attacker\'s attempts were in flight')
  const refusals = await flood
  t.ok(refusals.every(({ code }) => code === 'SG_ADMIN_LOGIN_REFUSED' || code === 'SG_ADMIN_LOGIN_THROTTLED'), JSON.stringify(refusals))
  t.equal(gw.app.adminUi.loginFailures + gw.app.adminUi.loginsThrottled, 8, 'every attempt refused and counted')
})

t.test('refused logins are logged at a sampled rate: five lines a minute, then silence', async (t) => {
  const logs = captureLogs()
  const gw = await startGateway(t, { logger: logs.logger, adminPasswordHash: hash, trustProxy: true } as GatewayOptions)
  for (let i = 0; i < 12; i++) {
    // A new address each time, so that none is throttled: twelve checked, refused logins.
    await refusal(connectAdmin(t, gw, { username: 'admin', password: 'nope' }, { extraHeaders: { 'x-forwarded-for': `198.51.100.${i + 1}` } }))
  }
  t.equal(gw.app.adminUi.loginFailures, 12)
  t.equal(logs.lines.filter((l) => l.msg.startsWith('admin UI login refused')).length, 5)
})
