// Liveness and readiness for orchestrators and load balancers.
import fp from 'fastify-plugin'

export default fp(async (app) => {
  // Liveness: the event loop answers. Never depends on Redis or draining, or an orchestrator
  // would restart a node that is merely waiting for a dependency.
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }))

  // Readiness: send traffic here? No while starting, draining, or a required dependency is down.
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const { ready, state, checks } = await app.lifecycle.readiness()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : state === 'ready' ? 'degraded' : state, checks })
  })
}, { fastify: '5.x', name: 'health', dependencies: ['lifecycle'] })
