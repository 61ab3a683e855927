// Serves the built-in protocol on the default namespace and every configured one, behind the
// authentication middleware.
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { HandshakeError, SocketErrorCode } from '../errors.js'
import type { Authenticate } from '../realtime/auth.js'
import { serveChat } from '../realtime/chat.js'
import type { SocketData } from '../realtime/events.js'

export interface RealtimeOptions {
  config: Config
  authenticate: Authenticate
}

function checkUser (user: unknown): SocketData['user'] {
  const id = (user as Partial<SocketData['user']> | null | undefined)?.id
  if (typeof id !== 'string' || id === '') throw new TypeError('authentication strategy resolved without a user; expected { id: string }')
  return user as SocketData['user']
}

export default fp<RealtimeOptions>(async (app, { config, authenticate }) => {
  const { connections } = app
  for (const name of ['/', ...config.namespaces]) {
    const nsp = app.io.of(name)
    nsp.use((socket, next) => {
      if (!app.lifecycle.accepting) {
        return next(new HandshakeError(SocketErrorCode.Draining, 'This gateway is shutting down; reconnect to another node'))
      }
      // Through a promise chain so a strategy that throws synchronously, returns a non-promise or
      // resolves without a user refuses this client instead of crashing the process.
      Promise.resolve().then(() => authenticate({ auth: socket.handshake.auth ?? {}, id: socket.id })).then(checkUser).then((user) => {
        socket.data.user = user
        next()
      }, (err: unknown) => {
        if (err instanceof HandshakeError) return next(err)
        // A custom strategy that failed unexpectedly: log it, tell the client only a code.
        app.log.error({ err, nsp: name }, 'authentication strategy failed')
        next(new HandshakeError(SocketErrorCode.AuthInvalid, 'Authentication failed'))
      })
    })
    // A drain waits for the acks a client is owed before closing its connection.
    connections.instrument(nsp)
    // The metrics plugin registers after this one: looked up when a refusal happens.
    serveChat(nsp, config, app.cluster, app.internals.socketIo, (event, code) => app.metrics?.rejected(nsp.name, event, code))
    if (config.connectionRecovery !== false) {
      // Socket.IO recovers a session from the offset of the last event its client received, so a
      // client that has received none yet cannot be recovered (socket.io#4888). One event at
      // connect gives every client that does recovery (it has a pid) an offset.
      // After every connection listener (the metrics plugin's counts it as the direct emit it is).
      nsp.on('connection', (socket) => {
        if (socket.recovered || (socket as unknown as { pid?: string }).pid === undefined) return
        process.nextTick(() => { if (socket.connected) socket.emit('session:ready', { id: socket.id }) })
      })
    }
  }
}, { fastify: '5.x', name: 'realtime', dependencies: ['socket-io', 'lifecycle', 'cluster'] })
