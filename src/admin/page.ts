// The admin UI's page, made fit for a network without internet. The bundle's index.html loads
// Roboto and the Material Design Icons font from public CDNs; offline, every icon is an empty box.
// The page is rewritten once at boot to load both from npm packages the gateway serves itself.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Where the gateway serves the fonts, relative to the admin page (`/admin/`). */
export const VENDOR = {
  mdi: 'vendor/mdi/',
  roboto: 'vendor/roboto/'
} as const

// The weights the bundle asked Google Fonts for.
const ROBOTO_WEIGHTS = [100, 300, 400, 500, 700, 900]

const EXTERNAL_STYLESHEET = /<link rel="stylesheet" href="https?:\/\/[^"]*">/g

// The connection dialog starts with an empty "Server URL" that the operator must type. Defaulting
// it to the page's origin means opening /admin is enough. The UI only remembers a URL after a
// first successful login (localStorage), so this is the one spot that sets the first default.
const SERVER_URL_FIELD = 'serverUrl:this.initialServerUrl'
const SERVER_URL_DEFAULT = 'serverUrl:this.initialServerUrl||location.origin'

export interface AdminPage {
  html: string
  /** The app bundle with the same-origin default, served in place of the file; undefined when the bundle changed shape. */
  appScript?: { file: string, body: string }
}

export function rewriteIndex (html: string): string {
  const fonts = [
    `<link rel="stylesheet" href="${VENDOR.mdi}css/materialdesignicons.min.css">`,
    ...ROBOTO_WEIGHTS.map((w) => `<link rel="stylesheet" href="${VENDOR.roboto}${w}.css">`)
  ].join('')
  let inserted = false
  const out = html.replace(EXTERNAL_STYLESHEET, () => {
    if (inserted) return ''
    inserted = true
    return fonts
  })
  // Fail at boot rather than serve a page that quietly calls the internet.
  const remote = /(?:href|src)="(?:https?:)?\/\/[^"]*"/.exec(out)
  if (!inserted || remote) {
    throw new Error(`@socket.io/admin-ui's index.html changed shape: ${remote ? `it still loads ${remote[0]}` : 'no CDN stylesheet found to replace'}; update src/admin/page.ts`)
  }
  return out
}

export function patchAppScript (source: string): string | undefined {
  if (source.split(SERVER_URL_FIELD).length !== 2) return undefined
  return source.replace(SERVER_URL_FIELD, SERVER_URL_DEFAULT)
}

/** Reads `ui/dist/index.html` and its app bundle from the admin-ui package folder. */
export async function loadAdminPage (uiDir: string): Promise<AdminPage> {
  const html = rewriteIndex(await readFile(join(uiDir, 'index.html'), 'utf8'))
  const file = /<script src="(js\/app\.[0-9a-f]+\.js)">/.exec(html)?.[1]
  if (file === undefined) return { html }
  const body = patchAppScript(await readFile(join(uiDir, file), 'utf8'))
  return body === undefined ? { html } : { html, appScript: { file, body } }
}
