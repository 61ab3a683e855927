// A small chat page at `/` so a new user sees the product work between two browser tabs: rooms,
// their own and others' messages, publish-API events, connection state and errors in words. It
// loads the client bundle Socket.IO serves itself (/socket.io/socket.io.min.js) and its own
// files from public/: nothing from a CDN, no inline script.
import { readFile } from 'node:fs/promises'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'

// Same relative path from src/plugins and dist/plugins.
const PUBLIC = new URL('../../public/', import.meta.url)

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** What the page needs to know of the gateway: no secret, nothing a client could not learn by connecting. */
export interface DemoConfig {
  authMode: Config['authMode']
  defaultRoom: string
  recovery: boolean
  messageMaxLength: number
}

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/demo/demo.js': ['demo.js', 'text/javascript; charset=utf-8'],
  '/demo/demo.css': ['demo.css', 'text/css; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
  // Browsers ask for /favicon.ico whatever the page says; they all take an SVG answer.
  '/favicon.ico': ['favicon.svg', 'image/svg+xml']
} as const

export default fp<{ config: Config }>(async (app, { config }) => {
  for (const [path, [file, type]] of Object.entries(FILES)) {
    const body = await readFile(new URL(file, PUBLIC))
    const page = path === '/'
    app.get(path, { config: { asset: !page } }, async (_req, reply) => {
      reply.type(type).header('x-content-type-options', 'nosniff')
      if (page) reply.header('content-security-policy', CSP).header('cache-control', 'no-cache')
      return reply.send(body)
    })
  }
  const demoConfig: DemoConfig = {
    authMode: config.authMode,
    defaultRoom: config.defaultRoom,
    recovery: config.connectionRecovery !== false,
    messageMaxLength: config.messageMaxLength
  }
  app.get('/demo/config.json', { config: { asset: true } }, async () => demoConfig)
}, { fastify: '5.x', name: 'demo-page' })
