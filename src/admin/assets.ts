// Serves the admin UI under /admin: the rewritten page, the bundle's own files, and the two
// fonts from their npm packages. Nothing on the page comes from another origin.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { loadAdminPage, VENDOR } from './page.js'

export const ADMIN_PATH = '/admin'

const require = createRequire(import.meta.url)
// @fontsource/roboto's exports map hides package.json; its main stylesheet sits at the root.
const packageDir = (entry: string): string => dirname(require.resolve(entry))

export const ASSET_DIRS = {
  ui: join(packageDir('@socket.io/admin-ui/package.json'), 'ui', 'dist'),
  mdi: packageDir('@mdi/font/package.json'),
  roboto: packageDir('@fontsource/roboto')
}

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
  /** False when the bundle changed shape and the operator must type the server URL. */
  sameOriginDefault: boolean
}

export async function serveAdminAssets (app: FastifyInstance): Promise<AdminAssetsResult> {
  const page = await loadAdminPage(ASSET_DIRS.ui)
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

  // decorateReply: false everywhere, so another plugin may register @fastify/static too.
  await app.register(fastifyStatic, { root: ASSET_DIRS.ui, prefix: base, index: false, decorateReply: false })
  await app.register(fastifyStatic, {
    root: ASSET_DIRS.mdi,
    prefix: base + VENDOR.mdi,
    decorateReply: false,
    index: false,
    allowedPath: (path) => /^\/(css|fonts)\//.test(path)
  })
  await app.register(fastifyStatic, { root: ASSET_DIRS.roboto, prefix: base + VENDOR.roboto, decorateReply: false, index: false })
  return { sameOriginDefault: page.appScript !== undefined }
}
