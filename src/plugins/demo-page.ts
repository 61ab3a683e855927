// A small chat page at `/` so a new user sees messages flow between two browser tabs. It loads
// the client bundle Socket.IO serves itself (/socket.io/socket.io.min.js): nothing from a CDN.
import { readFile } from 'node:fs/promises'
import fp from 'fastify-plugin'

// Same relative path from src/plugins and dist/plugins.
const PAGE = new URL('../../public/index.html', import.meta.url)

export default fp(async (app) => {
  const html = await readFile(PAGE, 'utf8')
  app.get('/', async (_req, reply) => reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:")
    .send(html))
}, { fastify: '5.x', name: 'demo-page' })
