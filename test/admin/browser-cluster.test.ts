// The check, in real Chromium: an operator logs in on node A of a two-node cluster holding
// 1 000 sockets, finds one user's socket on node B by name (it is beyond the list's cap), opens it,
// disconnects it, and sees it go. Screenshots: test-artifacts/admin/ (printed as comments).
import { mkdir } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import WebSocket from 'ws'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { openBrowser, recordPage } from '../browser/chromium.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from '../cluster/helpers.js'
import { hashOf, PASSWORD } from './helpers.js'

const ARTIFACTS = new URL('../../test-artifacts/admin/', import.meta.url)
const SOCKETS = 1000
const TARGET = 'user-0042'

async function screenshot (t: Test, page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true })
  const path = new URL(name, ARTIFACTS).pathname
  await page.screenshot({ path })
  t.comment(`screenshot: ${path}`)
}

/**
 * Idle sockets named `names`, as raw Engine.IO/Socket.IO over `ws` (a tenth of socket.io-client's
 * cost per socket): CONNECT with `{ name }` as auth, then only heartbeats.
 */
async function crowd (t: Test, urls: string[], names: string[]): Promise<WebSocket[]> {
  const open: WebSocket[] = []
  t.teardown(() => { for (const ws of open) ws.terminate() })
  const one = (url: string, name: string) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
    open.push(ws)
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ name })}`)
      else if (text.startsWith('40{')) resolve(ws)
      else if (text === '2') ws.send('3')
    })
    ws.once('error', reject)
  })
  for (let i = 0; i < names.length; i += 100) {
    await Promise.all(names.slice(i, i + 100).map((name, j) => one(urls[(i + j) % urls.length]!, name)))
  }
  return open
}

t.test(`an operator finds a user's socket by name among ${SOCKETS} across two nodes, disconnects it, and sees it go`, async (t) => {
  t.setTimeout(120_000)
  const options = {
    redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000,
    adminPasswordHash: await hashOf(), adminSocketListMax: 100
  }
  const a: TestGateway = await startGateway(t, { ...options, nodeId: 'node-a' })
  const b: TestGateway = await startGateway(t, { ...options, nodeId: 'node-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)

  // The oldest socket of all, on node B: the list at login (the 100 most recent) leaves it out.
  const target = await connectClient(t, b, { auth: { name: TARGET } })
  const names = Array.from({ length: SOCKETS }, (_v, i) => `user-${String(i).padStart(4, '0')}`).filter((n) => n !== TARGET)
  const others = await crowd(t, [a.url, b.url], names)
  t.equal(a.io.of('/').sockets.size + b.io.of('/').sockets.size, SOCKETS)

  const browser = await openBrowser(t)
  const page = await browser.newPage()
  const record = recordPage(page)
  await page.goto(`${a.url}/admin`)
  await page.getByLabel('Username').fill('admin')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.getByText('connected', { exact: true }).first().waitFor()

  await page.goto(`${a.url}/admin/#/sockets`)
  await page.getByText(`Showing 100 of ${SOCKETS.toLocaleString('en')} sockets in the cluster`).waitFor({ timeout: 15_000 })
  t.equal(await page.getByRole('cell', { name: TARGET, exact: true }).count(), 0, 'the target is not in the list at login')
  await screenshot(t, page, 'cluster-sockets.png')

  await page.getByLabel('Search sockets by user or socket id').fill(TARGET)
  await page.getByRole('button', { name: 'Search' }).click()
  const result = page.locator(`#socketgate-panel tr[data-socket-id="${target.id}"]`)
  await result.waitFor()
  t.match(await result.innerText(), /user-0042\s+\S+\s+node-b\s+127\.0\.0\.1/, 'found on node B, with its user, node and address')
  await screenshot(t, page, 'cluster-search.png')

  await result.getByRole('link', { name: target.id! }).click()
  await page.getByText(`"user": "${TARGET}"`).waitFor()
  await page.getByText('"node": "node-b"').waitFor()
  const gone = nextEvent<[string]>(target, 'disconnect', 10_000)
  // The socket's own Status row (the first one is its client's).
  await page.getByRole('row').filter({ hasText: 'Status' }).last().getByRole('button').click()
  t.equal((await gone)[0], 'io server disconnect', 'the socket on node B is disconnected')
  await page.getByRole('row').filter({ hasText: 'Status' }).last().getByText('disconnected').waitFor()
  t.pass('the operator sees it go (node B told node A)')
  await screenshot(t, page, 'cluster-disconnected.png')

  await page.goto(`${a.url}/admin/#/sockets`)
  await page.getByLabel('Search sockets by user or socket id').fill(TARGET)
  await page.getByRole('button', { name: 'Search' }).click()
  await page.getByText(`No socket of a user matching "${TARGET}"`).waitFor()
  t.equal(others.filter((ws) => ws.readyState === WebSocket.OPEN).length, SOCKETS - 1, 'every other socket is still connected')
  t.equal(a.app.adminUi.actions.disconnect, 1, 'the action is counted (and audited) on the operator\'s node')
  t.same(record.errors, [], 'no page errors')
})
