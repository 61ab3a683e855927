// Liveness and readiness for orchestrators and load balancers.
import fp from 'fastify-plugin'

export default fp(async (app) => {
  // Liveness: the event loop answers. Never depends on Redis, draining or closing, or an
  // orchestrator would restart a node that is merely waiting for a dependency or finishing.
  app.get('/healthz', { logLevel: 'warn', config: { whileStopping: true } }, async () => ({ status: 'ok' }))

  // Readiness: send traffic here? No while starting, draining, or a required dependency is down.
  // A dependency the node can serve without (Redis, unless READINESS_REQUIRES_REDIS) makes it
  // "degraded" but still ready (200): one Redis blip must not empty the whole cluster.
  app.get('/readyz', { logLevel: 'warn', config: { whileStopping: true } }, async (_req, reply) => {
    const { ready, degraded, state, checks } = await app.lifecycle.readiness()
    const status = state !== 'ready' ? state : degraded ? 'degraded' : 'ready'
    return reply.code(ready ? 200 : 503).send({ status, checks })
  })
}, { fastify: '5.x', name: 'health', dependencies: ['lifecycle'] })
