// The per-socket event rate limit (src/limits/events.ts) on every namespace the gateway serves.
// Registered after the realtime plugin: its hook then runs first on each event, before the one
// that counts and tracks events (src/realtime/connections.ts), so a refused event costs neither.
import type { Socket as EngineSocket } from 'engine.io'
import fp from 'fastify-plugin'
import { parseEventLimits, type Config } from '../config.js'
import { EventLimits } from '../limits/events.js'

export default fp<{ config: Config }>(async (app, { config }) => {
  const limits = new EventLimits({
    rate: config.eventRate,
    burst: config.eventBurst,
    perEvent: parseEventLimits(config.eventRateLimits),
    maxRefused: config.eventRateMaxRefused
  }, app.limits.report, (namespace) => { app.metrics.refused(namespace, 'rate limited') }, (socket) => app.limits.addressOf(socket.conn as unknown as EngineSocket), app.internals,
  (address) => { app.limits.addresses.coolDown(address) })
  if (!limits.enabled) return
  for (const name of ['/', ...config.namespaces]) {
    app.io.of(name).on('connection', (socket) => { limits.watch(socket) })
  }
}, { fastify: '5.x', name: 'event-limits', dependencies: ['limits', 'realtime'] })
