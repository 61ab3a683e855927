// Real headless Chromium (Debian's package) driven by playwright-core, for tests that need a
// browser. Never downloads a browser: scripts/test-services.sh installs /usr/bin/chromium.
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Without the background-networking flags Chromium keeps calling Google's hosts, which a closed
// network refuses; they would also pollute the record of what the page requested.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
]

interface Teardown { teardown: (fn: () => unknown) => void }

/** A browser with a fresh, empty profile (no localStorage from earlier runs), closed with the test. */
export async function openBrowser (t: Teardown): Promise<BrowserContext> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM}; run scripts/test-services.sh (apt-get install chromium) or set CHROMIUM_PATH`)
  })
  const profile = await mkdtemp(join(tmpdir(), 'socketgate-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 }
  })
  t.teardown(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  })
  return context
}

export interface PageRecord {
  /** Every request the page made (documents, scripts, styles, fonts, XHR), and its WebSockets. */
  requests: Array<{ url: string, type: string }>
  /** Console errors and uncaught exceptions, e.g. a Content-Security-Policy refusal. */
  errors: string[]
}

export function recordPage (page: Page): PageRecord {
  const record: PageRecord = { requests: [], errors: [] }
  page.on('request', (req) => { record.requests.push({ url: req.url(), type: req.resourceType() }) })
  page.on('websocket', (ws) => { record.requests.push({ url: ws.url(), type: 'websocket' }) })
  page.on('console', (msg) => { if (msg.type() === 'error') record.errors.push(msg.text()) })
  page.on('pageerror', (err) => { record.errors.push(err.message) })
  return record
}
