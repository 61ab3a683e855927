// The recovery series, computed at scrape time from the counts the adapters keep (index.ts).
import { Counter, type Registry } from 'prom-client'
import { NOT_RECOVERED_REASONS, RECOVERED_REASONS, type RecoveryReason } from './types.js'
import type { RecoveryCounts } from './index.js'

const REASONS: readonly RecoveryReason[] = [...RECOVERED_REASONS, ...NOT_RECOVERED_REASONS]
const outcomeOf = (reason: RecoveryReason): string => (RECOVERED_REASONS as readonly string[]).includes(reason) ? 'recovered' : 'not_recovered'

/** Registers the recovery series; each namespace of `namespaces` starts with every reason at 0. */
export function registerRecoveryMetrics (registry: Registry, prefix: string, counts: RecoveryCounts, namespaces: readonly string[]): void {
  new Counter({
    name: `${prefix}connection_recoveries_total`,
    help: 'Reconnections that asked for connection state recovery, by outcome (recovered, not_recovered) and reason (resumed, taken_over; unknown_session, expired, offset_too_old, token_expired, unavailable)',
    labelNames: ['namespace', 'outcome', 'reason'],
    registers: [registry],
    collect () {
      this.reset()
      for (const namespace of new Set([...namespaces, ...counts.resumes.keys()])) {
        const byReason = counts.resumes.get(namespace)
        for (const reason of REASONS) this.inc({ namespace, outcome: outcomeOf(reason), reason }, byReason?.get(reason) ?? 0)
      }
    }
  })
  new Counter({
    name: `${prefix}recovery_replayed_packets_total`,
    help: 'Packets sent again to recovered sockets: the ones sent after the offset their client last received',
    labelNames: ['namespace'],
    registers: [registry],
    collect () {
      this.reset()
      for (const namespace of new Set([...namespaces, ...counts.replayed.keys()])) this.inc({ namespace }, counts.replayed.get(namespace) ?? 0)
    }
  })
}
