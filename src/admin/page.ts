// The admin UI's page, made fit for a network without internet and for the gateway's modes. The
// bundle's index.html loads Roboto and the Material Design Icons font from public CDNs; offline,
// every icon is an empty box. The page is rewritten once at boot to load both from npm packages
// the gateway serves itself, and to load the gateway's page script (admin-page/), which says on
// each page what the mode shows and why, and adds the operator's search. The app bundle gets a
// few small patches (src/internals/admin-ui.ts); one that no longer matches is left out and named
// in a warning at start-up (the UI then works without it).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { patchAppScript, type AdminMode } from '../internals/admin-ui.js'

export type { AdminMode } from '../internals/admin-ui.js'

/** Where the gateway serves the fonts, relative to the admin page (`/admin/`). */
export const VENDOR = {
  mdi: 'vendor/mdi/',
  roboto: 'vendor/roboto/'
} as const

/** The gateway's page script, relative to the admin page. */
export const PAGE_SCRIPT = 'socketgate-admin.js'

// The weights the bundle asked Google Fonts for.
export const ROBOTO_WEIGHTS = [100, 300, 400, 500, 700, 900]

const EXTERNAL_STYLESHEET = /<link rel="stylesheet" href="https?:\/\/[^"]*">/g

export interface PageOptions {
  mode: AdminMode
}

export interface AdminPage {
  html: string
  /** The app bundle, patched, served in place of the file; undefined when no patch applied. */
  appScript?: { file: string, body: string }
  /** What the UI lacks because a patch no longer matches the bundle. */
  missingPatches: string[]
}

export function rewriteIndex (html: string, { mode }: PageOptions = { mode: 'operator' }): string {
  const fonts = [
    `<link rel="stylesheet" href="${VENDOR.mdi}css/materialdesignicons.min.css">`,
    ...ROBOTO_WEIGHTS.map((w) => `<link rel="stylesheet" href="${VENDOR.roboto}${w}.css">`)
  ].join('')
  let inserted = false
  let out = html.replace(EXTERNAL_STYLESHEET, () => {
    if (inserted) return ''
    inserted = true
    return fonts
  })
  // Fail at boot rather than serve a page that quietly calls the internet.
  const remote = /(?:href|src)="(?:https?:)?\/\/[^"]*"/.exec(out)
  if (!inserted || remote) {
    throw new Error(`@socket.io/admin-ui's index.html changed shape: ${remote ? `it still loads ${remote[0]}` : 'no CDN stylesheet found to replace'}; update src/admin/page.ts`)
  }
  // After the app's own scripts, so that the app has mounted when it runs.
  const script = `<script src="${PAGE_SCRIPT}" data-mode="${mode}"></script>`
  if (!out.includes('</body>')) throw new Error('@socket.io/admin-ui\'s index.html changed shape: no </body>; update src/admin/page.ts')
  out = out.replace('</body>', `${script}</body>`)
  return out
}

/** Reads `ui/dist/index.html` and its app bundle from the admin-ui package folder. */
export async function loadAdminPage (uiDir: string, options: PageOptions): Promise<AdminPage> {
  const html = rewriteIndex(await readFile(join(uiDir, 'index.html'), 'utf8'), options)
  const file = /<script src="(js\/app\.[0-9a-f]+\.js)">/.exec(html)?.[1]
  if (file === undefined) return { html, missingPatches: ['the app bundle was not found; no patch applied'] }
  const source = await readFile(join(uiDir, file), 'utf8')
  const { body, missing } = patchAppScript(source, options.mode)
  return { html, missingPatches: missing, ...(body === source ? {} : { appScript: { file, body } }) }
}
