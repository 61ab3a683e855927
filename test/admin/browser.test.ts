// The admin UI in real headless Chromium: log in, see live sockets and rooms, disconnect one, and
// prove the page never leaves the gateway's origin (no CDN fonts, no hosted admin site).
import { mkdir } from 'node:fs/promises'
import bcrypt from 'bcryptjs'
import t from 'tap'
import { connectClient, nextEvent, startGateway } from '../../src/testing.js'
import { openBrowser, recordPage } from '../browser/chromium.js'

const PASSWORD = 'correct horse battery staple'
const SCREENSHOT = new URL('../../test-artifacts/admin-sockets.png', import.meta.url)

t.test('an operator logs in to /admin, sees live sockets and rooms, and disconnects one socket', async (t) => {
  const gw = await startGateway(t, {
    adminPasswordHash: await bcrypt.hash(PASSWORD, 4),
    // Development mode lists single sockets and rooms; production mode shows aggregates only.
    adminMode: 'development'
  })
  const clients = [await connectClient(t, gw), await connectClient(t, gw), await connectClient(t, gw)]
  const [blue1, blue2, green] = clients as [typeof clients[0], typeof clients[0], typeof clients[0]]
  for (const [client, room] of [[blue1, 'ops-blue'], [blue2, 'ops-blue'], [green, 'ops-green']] as const) {
    t.match(await client.timeout(2000).emitWithAck('room:join', room), { ok: true }, `a client joined ${room}`)
  }

  const browser = await openBrowser(t)
  const page = await browser.newPage()
  const record = recordPage(page)
  const mdiFont = page.waitForResponse((res) => /\/materialdesignicons-webfont\.woff2(\?|$)/.test(res.url()))

  await page.goto(`${gw.url}/admin`)
  const serverUrl = page.getByLabel('Server URL')
  await serverUrl.waitFor()
  t.equal(await serverUrl.inputValue(), gw.url, 'the login dialog is pre-filled with this gateway')

  await t.test('a wrong password is refused and counted', async (t) => {
    await page.getByLabel('Username').fill('admin')
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByText('Invalid credentials').waitFor()
    t.equal(gw.app.adminUi.loginFailures, 1, 'one login failure counted')
  })

  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.getByText('connected', { exact: true }).first().waitFor()

  await page.goto(`${gw.url}/admin/#/rooms`)
  for (const room of ['ops-blue', 'ops-green']) {
    await page.getByRole('cell', { name: room, exact: true }).waitFor()
  }

  await page.goto(`${gw.url}/admin/#/sockets`)
  for (const client of clients) {
    await page.getByRole('cell', { name: client.id!, exact: true }).waitFor()
  }
  const res = await mdiFont
  t.equal(res.status(), 200, 'the icon font is served by the gateway')
  // Strings, not functions: the type check has no DOM library.
  t.equal(await page.evaluate('document.fonts.ready.then(() => document.fonts.check(\'24px "Material Design Icons"\'))'), true,
    'the icon font is loaded')
  await mkdir(new URL('.', SCREENSHOT), { recursive: true })
  await page.screenshot({ path: SCREENSHOT.pathname })

  const disconnected = nextEvent<[string]>(green, 'disconnect', 5000)
  await page.getByRole('row').filter({ hasText: green.id! }).getByRole('button').click()
  const [reason] = await disconnected
  t.equal(reason, 'io server disconnect', 'the client hears the server disconnect it')
  // The click also opens the socket's own page (the row's click handler), which shows its status.
  await page.getByRole('row').filter({ hasText: 'Status' }).getByText('disconnected').first().waitFor()
  await page.goto(`${gw.url}/admin/#/sockets`)
  await page.getByRole('cell', { name: blue1.id!, exact: true }).waitFor()
  await page.waitForFunction(`![...document.querySelectorAll('td')].some((td) => td.textContent.trim() === ${JSON.stringify(green.id)})`)
  t.pass('the socket left the list')
  t.equal(blue1.connected && blue2.connected, true, 'the other sockets stay connected')
  t.equal(gw.app.adminUi.actions.disconnect, 1, 'the action is counted')

  const foreign = record.requests.filter(({ url }) => new URL(url).host !== new URL(gw.url).host)
  t.same(foreign, [], 'no request of the page leaves the gateway')
  t.ok(record.requests.some(({ type }) => type === 'font'), 'fonts were requested from the gateway')
  t.same(record.errors, [], 'no page errors (CSP refusals would show here)')
})
