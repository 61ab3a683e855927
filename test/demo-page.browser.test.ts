// The demo page in real headless Chromium, as a new user meets it: two tabs chat in a room they
// joined (state from the acks), a publish-API event shows up, a dropped connection comes back
// recovered, errors read as words with their code, and in JWT mode the token field is there and
// an expired token says so. Screenshots go to test-artifacts/ (git-ignored).
import { mkdir } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { mintToken } from '../src/cli/token.js'
import { startGateway, type TestGateway } from '../src/testing.js'
import { openBrowser, recordPage, type PageRecord } from './browser/chromium.js'

// Real processes, browsers and load runs on a loaded machine: more than tap's 60 s per file.
t.setTimeout(120_000)

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)
const KEY = 'demo-publish-key-0123'
const shot = async (page: Page, name: string): Promise<void> => {
  await mkdir(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname })
}

async function open (t: Test, gw: TestGateway): Promise<{ page: Page, record: PageRecord }> {
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await page.setViewportSize({ width: 1100, height: 700 })
  const record = recordPage(page)
  await page.goto(gw.url)
  return { page, record }
}

async function as (page: Page, name: string): Promise<void> {
  await page.locator('#status[data-state="connected"]').waitFor()
  await page.fill('#name', name)
  await page.click('#connect')
  await page.locator('#me', { hasText: `You appear as “${name}”` }).waitFor()
  await page.locator('#status[data-state="connected"]').waitFor()
}

const joined = (page: Page, room: string) => page.locator(`#rooms li[data-room="${room}"][data-state="joined"]`).waitFor()

t.test('two tabs chat in a room they joined, see a published event, and come back recovered after a drop', async (t) => {
  const gw = await startGateway(t, { demoPage: true, publishApiKey: KEY, connectionRecovery: true })
  const { page: alice, record } = await open(t, gw)
  const bob = await alice.context().newPage()
  await bob.setViewportSize({ width: 1100, height: 700 })

  t.equal(await alice.locator('#token-field').isVisible(), false, 'no token field without AUTH_MODE=jwt')
  await bob.goto(gw.url)
  await as(alice, 'alice')
  await as(bob, 'bob')
  await joined(alice, 'chat-general')
  t.match(await alice.locator('#status').textContent(), /^Connected over (WebSocket|long-polling)/, 'the connection state in words, with its transport')

  // Rooms: joined through the form, listed once the gateway's ack says so.
  for (const page of [alice, bob]) {
    await page.fill('#room', 'team-red')
    await page.click('#join button')
    await joined(page, 'team-red')
  }
  t.equal(await alice.locator('#rooms li[aria-selected="true"]').getAttribute('data-room'), 'team-red', 'a joined room becomes the target')

  await alice.fill('#content', 'hello red team')
  await alice.press('#content', 'Enter')
  const own = alice.locator('#log li.msg.own', { hasText: 'hello red team' })
  await own.waitFor()
  t.match(await own.locator('.meta').textContent(), /^you · team-red · /, 'own messages are marked as yours')
  const seen = bob.locator('#log li.msg:not(.own)', { hasText: 'hello red team' })
  await seen.waitFor()
  t.match(await seen.locator('.meta').textContent(), /^alice · team-red · /, 'the other tab sees the author')

  // The README's publish example, to the room.
  const res = await fetch(`${gw.url}/api/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'team-red', event: 'news', data: { title: 'hi from the API' } })
  })
  t.match(await res.json(), { ok: true, recipients: 2 })
  for (const page of [alice, bob]) await page.locator('#log li.event[data-event="news"]', { hasText: 'hi from the API' }).waitFor()
  t.same(JSON.parse(await alice.locator('#log li.event[data-event="news"] pre').textContent() ?? ''), { title: 'hi from the API' },
    'the published data as sent (recovery\'s offset argument left out)')

  // An error in words, its code at hand.
  await alice.fill('#room', 'not a room!')
  await alice.click('#join button')
  const error = alice.locator('#log li.error[data-code="SG_INVALID_ROOM"]')
  await error.waitFor()
  t.match(await error.textContent(), /^That room name is not allowed\. room "not a room!" is not valid.*SG_INVALID_ROOM$/)
  await shot(alice, 'demo-alice.png')

  // The network drops (the gateway closes every transport): both tabs reconnect by themselves,
  // and connection state recovery gives them their session and rooms back.
  for (const socket of gw.io.of('/').sockets.values()) socket.conn.close()
  for (const page of [alice, bob]) await page.locator('#status[data-state="recovered"]').waitFor({ timeout: 15_000 })
  t.match(await bob.locator('#status').textContent(), /session recovered/)
  t.ok(await bob.locator('#log li.sys', { hasText: 'The connection was lost; reconnecting…' }).count() > 0, 'the drop was told in words')
  await joined(bob, 'team-red')
  await bob.fill('#content', 'still here')
  await bob.press('#content', 'Enter')
  await alice.locator('#log li.msg:not(.own)', { hasText: 'still here' }).waitFor()
  await shot(bob, 'demo-bob-recovered.png')

  const favicon = await alice.request.get(`${gw.url}/favicon.ico`)
  t.equal(favicon.status(), 200, '/favicon.ico is served')
  t.same(record.requests.filter(({ url }) => new URL(url).host !== new URL(gw.url).host), [], 'nothing from another host')
  t.same(record.errors, [], 'no page errors (a CSP refusal would show here)')
})

t.test('in JWT mode the page asks for a token, says why it is refused, and says when it expired', async (t) => {
  const secret = 'demo-secret-of-at-least-32-characters'
  const gw = await startGateway(t, { demoPage: true, authMode: 'jwt', jwtSecret: secret })
  const { page, record } = await open(t, gw)
  const failures: string[] = []
  page.on('response', (res) => { if (res.status() >= 400) failures.push(res.url()) })
  await page.locator('#status', { hasText: 'Paste a token to connect' }).waitFor()
  t.equal(await page.locator('#token-field').isVisible(), true, 'the token field is shown')
  t.equal(await page.locator('#name').isVisible(), false, 'the name comes from the token')

  await page.click('#connect')
  const required = page.locator('#log li.error[data-code="SG_AUTH_REQUIRED"]')
  await required.waitFor()
  t.match(await required.textContent(), /This gateway needs a token/)

  const { token } = await mintToken({ sub: 'carol', rooms: ['team-*', 'chat-general'], ttl: 600, secret })
  await page.fill('#token', token)
  await page.click('#connect')
  await page.locator('#status[data-state="connected"]').waitFor()
  await page.locator('#me', { hasText: 'You appear as “carol”' }).waitFor()
  await joined(page, 'chat-general')
  await page.fill('#room', 'payroll')
  await page.click('#join button')
  await page.locator('#log li.error[data-code="SG_ROOM_FORBIDDEN"]', { hasText: 'Your token does not allow that room.' }).waitFor()

  // What the gateway does at the token's exp (src/realtime/chat.ts), without waiting for it.
  for (const socket of gw.io.of('/').sockets.values()) {
    socket.emit('auth:expired', { code: 'SG_TOKEN_EXPIRED', message: 'Token expired: get a new token and reconnect' })
    socket.disconnect()
  }
  await page.locator('#log li.error[data-code="SG_TOKEN_EXPIRED"]', { hasText: 'Your token has expired' }).waitFor()
  await page.locator('#status[data-state="error"]', { hasText: 'Your token has expired' }).waitFor()
  await shot(page, 'demo-jwt-expired.png')
  // A long-polling request still in flight when the gateway ends a session (here: a refused
  // handshake, an expired token) is answered 400 "Session ID unknown", which Chromium reports
  // as a console error. Only that is tolerated.
  const failed = failures.filter((f) => !/\/socket\.io\/\?EIO=4&transport=polling&.*sid=/.test(f))
  t.same(failed, [], 'no failed request but a polling request of an ended session')
  t.same(record.errors.filter((e) => !/^Failed to load resource: the server responded with a status of 400/.test(e)), [])
})
