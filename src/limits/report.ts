// Every limit reports through one place: counted (limits_exceeded_total{limit}) and logged at a
// sampled rate, since anyone can make a limit trip as often as they like.
import type { FastifyBaseLogger } from 'fastify'
import { SampledLog } from '../admin/sampled-log.js'
import type { Limit } from '../metrics/catalog.js'

export type LimitReport = (limit: Limit, details: Record<string, unknown>, message: string) => void

/**
 * `count` is read at each report (the metrics plugin registers after the limits). Each limit has
 * its own sampled log, so one flood does not hide another limit's lines.
 */
export function limitReporter (log: FastifyBaseLogger, count: () => (limit: Limit) => void, perMinute = 5): LimitReport {
  const logs = new Map<Limit, SampledLog>()
  return (limit, details, message) => {
    count()(limit)
    let sampled = logs.get(limit)
    if (!sampled) logs.set(limit, sampled = new SampledLog({ perWindow: perMinute, windowMs: 60_000 }))
    sampled.line((suppressed) => { log.warn({ limit, ...details, ...(suppressed > 0 ? { suppressed } : {}) }, message) })
  }
}
