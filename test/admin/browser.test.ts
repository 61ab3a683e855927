// The admin UI in real headless Chromium, one gateway: an operator logs in (operator mode, the
// default), sees live sockets with their users and rooms, disconnects one; the Events page says
// why it shows no message; production mode's socket pages say why they are empty. The page never
// leaves the gateway's origin (no CDN fonts, no hosted admin site). Screenshots: test-artifacts/admin/.
import { mkdir } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { openBrowser, recordPage } from '../browser/chromium.js'
import { hashOf, PASSWORD } from './helpers.js'

const ARTIFACTS = new URL('../../test-artifacts/admin/', import.meta.url)

async function screenshot (t: Test, page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true })
  const path = new URL(name, ARTIFACTS).pathname
  await page.screenshot({ path })
  t.comment(`screenshot: ${path}`)
}

async function logIn (page: Page, gw: TestGateway): Promise<void> {
  await page.goto(`${gw.url}/admin`)
  await page.getByLabel('Username').fill('admin')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.getByText('connected', { exact: true }).first().waitFor()
}

t.test('an operator logs in to /admin, sees live sockets with their users and rooms, and disconnects one socket', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: await hashOf() })
  const names = ['ann', 'bob', 'cid']
  const clients = []
  for (const name of names) clients.push(await connectClient(t, gw, { auth: { name } }))
  const [ann, bob, cid] = clients as [typeof clients[0], typeof clients[0], typeof clients[0]]
  for (const [client, room] of [[ann, 'ops-blue'], [bob, 'ops-blue'], [cid, 'ops-green']] as const) {
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
  t.ok(await page.getByRole('link', { name: 'Sockets' }).isVisible(), 'the menu offers the Sockets page')

  await page.goto(`${gw.url}/admin/#/rooms`)
  for (const room of ['ops-blue', 'ops-green']) await page.getByRole('cell', { name: room, exact: true }).waitFor()

  await page.goto(`${gw.url}/admin/#/sockets`)
  for (const [i, client] of clients.entries()) {
    const row = page.getByRole('row').filter({ hasText: client.id! })
    await row.getByRole('cell', { name: names[i], exact: true }).waitFor()
  }
  await page.getByText('All 3 sockets in the cluster are shown').waitFor()
  const res = await mdiFont
  t.equal(res.status(), 200, 'the icon font is served by the gateway')
  // Strings, not functions: the type check has no DOM library.
  t.equal(await page.evaluate('document.fonts.ready.then(() => document.fonts.check(\'24px "Material Design Icons"\'))'), true,
    'the icon font is loaded')
  await screenshot(t, page, 'operator-sockets.png')

  const disconnected = nextEvent<[string]>(cid, 'disconnect', 5000)
  await page.getByRole('row').filter({ hasText: cid.id! }).getByRole('button').click()
  const [reason] = await disconnected
  t.equal(reason, 'io server disconnect', 'the client hears the server disconnect it')
  // The click also opens the socket's own page (the row's click handler), which shows its status.
  await page.getByRole('row').filter({ hasText: 'Status' }).getByText('disconnected').first().waitFor()
  await page.goto(`${gw.url}/admin/#/sockets`)
  await page.getByRole('cell', { name: ann.id!, exact: true }).waitFor()
  await page.waitForFunction(`![...document.querySelectorAll('td')].some((td) => td.textContent.trim() === ${JSON.stringify(cid.id)})`)
  t.pass('the socket left the list')
  t.equal(ann.connected && bob.connected, true, 'the other sockets stay connected')
  t.equal(gw.app.adminUi.actions.disconnect, 1, 'the action is counted')

  await t.test('the Events page says why it shows no message', async (t) => {
    await page.goto(`${gw.url}/admin/#/events`)
    const notice = page.locator('#socketgate-panel')
    await notice.getByText('never sends a message or its payload to the admin UI').waitFor()
    t.match(await notice.innerText(), 'ADMIN_MODE=development')
    await screenshot(t, page, 'operator-events.png')
  })

  const foreign = record.requests.filter(({ url }) => new URL(url).host !== new URL(gw.url).host)
  t.same(foreign, [], 'no request of the page leaves the gateway')
  t.ok(record.requests.some(({ type }) => type === 'font'), 'fonts were requested from the gateway')
  t.same(record.errors, [], 'no page errors (CSP refusals would show here)')
})

t.test('in production mode the Sockets, Rooms, Clients and Events pages say why they are empty and how to see sockets', async (t) => {
  const gw = await startGateway(t, { adminPasswordHash: await hashOf(), adminMode: 'production' })
  await connectClient(t, gw, { auth: { name: 'ann' } })
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  const record = recordPage(page)
  await logIn(page, gw)
  t.notOk(await page.getByRole('link', { name: 'Sockets' }).isVisible(), 'the menu offers the dashboard and servers only')
  t.equal(await page.locator('#socketgate-panel').isVisible(), false, 'the dashboard has no notice')
  for (const [route, what] of [['sockets', 'the list of sockets'], ['rooms', 'the list of rooms'], ['clients', 'the list of clients'], ['events', 'the list of events']]) {
    await page.goto(`${gw.url}/admin/#/${route}`)
    const notice = page.locator('#socketgate-panel')
    await notice.getByText(`so ${what} stays empty here`).waitFor()
    t.match(await notice.innerText(), /set ADMIN_MODE=operator \(the default\) and restart the gateway/, route)
    if (route === 'sockets') await screenshot(t, page, 'production-sockets.png')
  }
  t.same(record.errors, [], 'no page errors')
})
