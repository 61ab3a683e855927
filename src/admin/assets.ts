// Serves the admin UI under /admin: the rewritten page, the bundle's own files, the two fonts from
// their npm packages and the gateway's page script. Nothing on the page comes from another origin,
// and nothing is served that the page does not load: from the font packages, only the files their
// stylesheets name (not their package.json, sources or other weights); from the bundle, no source
// maps and never the raw index.html.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, posix } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { loadAdminPage, PAGE_SCRIPT, ROBOTO_WEIGHTS, VENDOR, type PageOptions } from './page.js'

export const ADMIN_PATH = '/admin'

const require = createRequire(import.meta.url)
// @fontsource/roboto's exports map hides package.json; its main stylesheet sits at the root.
const packageDir = (entry: string): string => dirname(require.resolve(entry))

export const ASSET_DIRS = {
  ui: join(packageDir('@socket.io/admin-ui/package.json'), 'ui', 'dist'),
  mdi: packageDir('@mdi/font/package.json'),
  roboto: packageDir('@fontsource/roboto')
}

// Same relative path from src/admin and dist/admin.
const PAGE_SCRIPT_FILE = new URL('../../admin-page/socketgate-admin.js', import.meta.url)

// The page only talks to this gateway: its scripts, styles, fonts and the Socket.IO connection.
// Vuetify writes inline styles, hence 'unsafe-inline' for styles (never for scripts).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

export interface AdminAssetsResult {
  /** What the UI lacks because a patch of the bundle no longer applies (logged as warnings). */
  missingPatches: string[]
}

/**
 * The files a stylesheet loads (`url(...)`), as paths from its package's root with a leading
 * slash (what @fastify/static's allowedPath receives), query and fragment dropped.
 */
export function referencedFiles (css: string, stylesheet: string): string[] {
  const dir = posix.dirname(stylesheet)
  const files = new Set<string>()
  for (const m of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    const url = m[1]!.split(/[?#]/)[0]!
    if (url === '' || /^(data:|[a-z]+:\/\/|\/)/i.test(url)) continue
    files.add(posix.join('/', dir, url))
  }
  return [...files]
}

/** The stylesheets the page links, and every file they load. */
async function fontFiles (root: string, stylesheets: string[]): Promise<Set<string>> {
  const allowed = new Set<string>()
  for (const sheet of stylesheets) {
    allowed.add(posix.join('/', sheet))
    for (const file of referencedFiles(await readFile(join(root, sheet), 'utf8'), sheet)) allowed.add(file)
  }
  return allowed
}

export async function serveAdminAssets (app: FastifyInstance, options: PageOptions): Promise<AdminAssetsResult> {
  const page = await loadAdminPage(ASSET_DIRS.ui, options)
  const pageScript = await readFile(PAGE_SCRIPT_FILE, 'utf8')
  const base = `${ADMIN_PATH}/`

  // Relative asset URLs (css/app.css) only resolve under the trailing slash.
  app.get(ADMIN_PATH, async (_req, reply) => reply.redirect(base, 302))
  const sendPage = async (_req: unknown, reply: FastifyReply) => reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .send(page.html)
  app.get(base, sendPage)
  app.get(`${base}index.html`, sendPage)
  if (page.appScript) {
    const { file, body } = page.appScript
    app.get(base + file, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(body))
  }
  app.get(base + PAGE_SCRIPT, async (_req, reply) => reply
    .type('text/javascript; charset=utf-8')
    .header('cache-control', 'no-cache')
    .send(pageScript))

  const mdi = await fontFiles(ASSET_DIRS.mdi, ['css/materialdesignicons.min.css'])
  const roboto = await fontFiles(ASSET_DIRS.roboto, ROBOTO_WEIGHTS.map((w) => `${w}.css`))

  // decorateReply: false everywhere, so another plugin may register @fastify/static too.
  await app.register(fastifyStatic, {
    root: ASSET_DIRS.ui,
    prefix: base,
    index: false,
    decorateReply: false,
    // The bundle's own files; its source maps would hand out the UI's sources for nothing.
    allowedPath: (path) => !path.endsWith('.map')
  })
  await app.register(fastifyStatic, { root: ASSET_DIRS.mdi, prefix: base + VENDOR.mdi, decorateReply: false, index: false, allowedPath: (path) => mdi.has(path) })
  await app.register(fastifyStatic, { root: ASSET_DIRS.roboto, prefix: base + VENDOR.roboto, decorateReply: false, index: false, allowedPath: (path) => roboto.has(path) })
  return { missingPatches: page.missingPatches }
}
