// The figures of one delivery run as the cells of a bench/RESULTS.md row, for bench/delivery.ts
// (one node) and bench/delivery-cluster.ts (several nodes behind HAProxy).
import type { LoadtestReport } from '../src/loadtest/run.js'
import type { DeliveryReport } from '../src/loadtest/scenarios/delivery.js'

/** The header cells the row cells below go under. */
export const DELIVERY_COLUMNS = ['clients', 'messages', 'delivered', 'duplicates', 'cuts', 'recovered / not', 'resume p50 / p99 ms', 'replay p50 / p99 ms', 'generator cores', 'errors']

export function deliveryCells (r: LoadtestReport<DeliveryReport>): string[] {
  const d = r.result
  const ms = (name: string, q: 'p50' | 'p99'): string => {
    const value = r.latency[name]?.[q]
    return value === null || value === undefined ? '—' : Math.round(value).toString()
  }
  const errors = Object.entries(r.errors).map(([k, n]) => `${k} × ${n}`).join('; ') || '—'
  return [String(d.clients), String(d.published), `${d.deliveredPercent.toFixed(2)} %`, String(d.duplicates), String(d.cuts),
    `${d.recovered} / ${d.notRecovered}`, `${ms('resume', 'p50')} / ${ms('resume', 'p99')}`, `${ms('replay', 'p50')} / ${ms('replay', 'p99')}`,
    r.generator.cpu.toFixed(2), errors]
}

/** A markdown table row. */
export const markdownRow = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
