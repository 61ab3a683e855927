// Connection state recovery (CONNECTION_RECOVERY): provides the Socket.IO adapter option that
// adds per-client recovery, resumes and takeovers to the cluster's adapter or the single node's
// store (src/recovery), and the recovery series. Registered after cluster, before socket-io.
import fp from 'fastify-plugin'
import type { ServerOptions } from 'socket.io'
import type { Config } from '../config.js'
import { sessionExpired } from '../realtime/auth.js'
import { RecoveryCounts, recoveryAdapter } from '../recovery/index.js'
import { registerRecoveryMetrics } from '../recovery/metrics.js'

export interface Recovery {
  counts: RecoveryCounts
  /** The Socket.IO options that make recovery work as CONNECTION_RECOVERY says, on top of `base`. */
  socketio: (base: Partial<ServerOptions>) => Partial<ServerOptions>
}

declare module 'fastify' {
  interface FastifyInstance {
    recovery: Recovery
  }
}

export default fp<{ config: Config }>(async (app, { config }) => {
  const counts = new RecoveryCounts()
  const mode = config.connectionRecovery
  const log = app.log.child({ plugin: 'recovery' })
  app.decorate('recovery', {
    counts,
    socketio: (base) => mode === false
      ? base
      : {
          ...base,
          connectionStateRecovery: { maxDisconnectionDuration: config.connectionRecoveryMaxMs, skipMiddlewares: true, ...base.connectionStateRecovery },
          adapter: recoveryAdapter(base.adapter, { mode, counts, vet: (s) => sessionExpired(s) ? 'token_expired' : undefined, log })
        }
  } satisfies Recovery)
  app.addHook('onReady', async () => {
    // The metrics plugin registers after Socket.IO; its registry exists by now.
    const registry = app.metrics?.registry
    if (registry) registerRecoveryMetrics(registry, config.metricsPrefix, counts, ['/', ...config.namespaces])
  })
}, { fastify: '5.x', name: 'recovery' })
