// The admin UI's series, read at scrape time from the counts the admin plugin keeps.
import { Counter, type Registry } from 'prom-client'
import type { AdminUiStats } from '../plugins/admin-ui.js'

export function registerAdminMetrics (registry: Registry, prefix: string, stats: AdminUiStats): void {
  new Counter({
    name: `${prefix}admin_login_failures_total`,
    help: 'Admin UI logins refused: a wrong user name or password, or too many checks at once',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(stats.loginFailures)
    }
  })
  new Counter({
    name: `${prefix}admin_actions_total`,
    help: 'Operator actions taken in the admin UI (each also logged as an audit line), by action',
    labelNames: ['action'],
    registers: [registry],
    collect () {
      this.reset()
      for (const [action, n] of Object.entries(stats.actions)) this.inc({ action }, n)
    }
  })
}
