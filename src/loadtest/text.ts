// The two texts a person reads: the live progress line (one per second, rewritten in place on a
// terminal) and the summary at the end. Both come from the same figures as the JSON report.
import type { LoadtestReport } from './run.js'
import type { AnyScenario, Target } from './scenario.js'
import { summarize, type Sample, type Stats } from './stats.js'

const fmt = (ms: number | null | undefined): string => ms === null || ms === undefined ? '-' : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)

/** `[sending 12/30 s] clients 100/100 | sent 998/s recv 9 980/s | delivery p50 1.21 ms p99 8.4 ms | errors 0 | cpu 34 %` */
export function progressLine (sample: Sample, stats: Stats, scenario: AnyScenario, target: Target): string {
  const sent = sample.rates[scenario.counters.sent] ?? 0
  const received = sample.rates[scenario.counters.received] ?? 0
  const h = stats.histogram(scenario.primary)
  const so = h ? summarize(h) : undefined
  return `[${sample.phase} ${Math.round(sample.t)} s] ` + [
    `clients ${sample.connected}/${target.clients}`,
    `${scenario.counters.sent} ${sent}/s ${scenario.counters.received} ${received}/s`,
    `${scenario.primary} p50 ${fmt(so?.p50)} ms p99 ${fmt(so?.p99)} ms`,
    `errors ${stats.errorCount}`,
    `cpu ${Math.round(sample.cpu * 100)} %`
  ].join(' | ')
}

export function summaryText (report: LoadtestReport, scenario: AnyScenario): string {
  const r = report
  const lines = [
    `${r.scenario} on ${r.url} (${r.transport}): ${r.connected} of ${r.settings.clients} clients connected; ${r.seconds} s of ${r.scenario === 'idle' ? 'holding' : 'sending'}`
  ]
  for (const line of scenario.describe(r.result)) lines.push(`  ${line}`)
  const t = r.throughput
  if (r.scenario !== 'idle') {
    lines.push(`  ${t.sent} ${t.sentPerSecond}/s${t.intendedPerSecond !== null ? ` (${t.intendedPerSecond}/s intended)` : ''}, ${t.received} ${t.receivedPerSecond}/s`)
  }
  const names = [r.primary, ...Object.keys(r.latency).filter((n) => n !== r.primary)].filter((n) => r.latency[n])
  if (names.length > 0) {
    const col = (s: string | number, w = 9): string => String(s).padStart(w)
    lines.push(`  ${'latency (ms)'.padEnd(14)}${col('count')}${col('p50')}${col('p90')}${col('p99')}${col('p99.9')}${col('max')}`)
    for (const name of names) {
      const l = r.latency[name]!
      lines.push(`  ${name.padEnd(14)}${col(l.count)}${col(fmt(l.p50))}${col(fmt(l.p90))}${col(fmt(l.p99))}${col(fmt(l.p999))}${col(fmt(l.max))}`)
    }
  }
  if (r.gateway) {
    const g = r.gateway
    const events = Object.entries(g.eventsReceived).map(([e, n]) => `${e} ${n}`).join(', ') || 'none'
    const publishes = Object.entries(g.publishRequests).map(([s, n]) => `${s}: ${n}`).join(', ')
    lines.push(`  gateway (${g.nodes} node${g.nodes > 1 ? 's' : ''}, its own counters): ${g.cpuCores} cores; events received: ${events}; deliveries ${g.deliveries}; connects ${g.connects}${publishes ? `; publish requests ${publishes}` : ''}`)
  }
  lines.push(`  generator: ${Math.round(r.generator.cpu * 100)} % of a core while sending (peak ${Math.round(r.generator.cpuMax * 100)} %), event-loop delay p99 ${r.generator.eventLoopP99Ms} ms`)
  for (const warning of r.generator.warnings) lines.push(`warning: ${warning}`)
  if (r.problems.length > 0) lines.push(`problems: ${r.problems.join('; ')}`)
  return lines.join('\n')
}
