// Hosts Socket.IO on Fastify's HTTP server. The npm package fastify-socket.io would do this, but
// its only release declares Fastify 4 and its preinstall script refuses npm, so this plugin keeps
// its shape (`app.io`, options passed through, closed with the app) in a few lines of our own.
import fp from 'fastify-plugin'
import { Server, type ServerOptions } from 'socket.io'
import { guardInternals, type InternalShapes } from '../internals/index.js'
import { namespacesOf } from '../internals/socket-io.js'
import { Connections } from '../realtime/connections.js'
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../realtime/events.js'

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

declare module 'fastify' {
  interface FastifyInstance {
    io: GatewayServer
    /** Open engine.io connections (all namespaces) and the acks each still owes. */
    connections: Connections
    /** Which private internals of the Socket.IO packages are there to use (src/internals). */
    internals: InternalShapes
  }
}

/** How long closing waits for clients to take their last packets before it cuts them off. */
const CLOSE_GRACE_MS = 1000

export default fp<Partial<ServerOptions>>(async (app, opts) => {
  // Before anything reaches into them: a warning per missing shape, or no start at all.
  const internals = guardInternals((fields, message) => { app.log.warn(fields, message) })
  const io: GatewayServer = new Server(app.server, opts)
  app.decorate('io', io)
  app.decorate('internals', internals)
  app.decorate('connections', new Connections(io, app.server, internals))

  app.addHook('preClose', async () => {
    const { connections } = app
    // Clients hear "io server disconnect" (and do not reconnect) before the listener closes.
    for (const nsp of namespacesOf(io).values()) nsp.local.disconnectSockets(false)
    // A polling client without a request pending gets that packet with its next poll, which
    // comes at once unless the client is gone.
    await connections.flushed(CLOSE_GRACE_MS)
    // Then drop the transports without the orderly close: a long-polling transport with no
    // request pending would otherwise hold the socket, and its timers, for 30 s.
    for (const conn of connections.list()) conn.close(true)
    // Live peers answer the close at once; a vanished one is cut off rather than waited for.
    await connections.closed(CLOSE_GRACE_MS)
    connections.terminate()
  })
  app.addHook('onClose', async () => {
    // io.close() also closes the HTTP server, which Fastify has already closed: that callback
    // error (ERR_SERVER_NOT_RUNNING) is expected and ignored.
    await new Promise<void>((resolve) => { io.close(() => resolve()) })
  })
}, { fastify: '5.x', name: 'socket-io' })
