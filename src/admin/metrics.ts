// The admin UI's series, read at scrape time from the counts the admin plugin keeps.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { AdminUiStats } from '../plugins/admin-ui.js'

export function registerAdminMetrics (registry: Registry, prefix: string, stats: AdminUiStats): void {
  new Counter({
    name: `${prefix}admin_login_failures_total`,
    help: 'Admin UI logins refused for a wrong user name or password',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(stats.loginFailures)
    }
  })
  new Counter({
    name: `${prefix}admin_logins_throttled_total`,
    help: 'Admin UI logins refused without a check: the address must wait after too many wrong ones, or too many were being checked at once',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(stats.loginsThrottled)
    }
  })
  new Counter({
    name: `${prefix}admin_password_checks_total`,
    help: 'bcrypt checks of admin UI passwords, run on a worker thread',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(stats.passwordChecks())
    }
  })
  new Gauge({
    name: `${prefix}admin_operators`,
    help: 'Operators (admin UI connections) on this node',
    registers: [registry],
    collect () { this.set(stats.operators()) }
  })
  new Gauge({
    name: `${prefix}admin_watched`,
    help: '1 while an operator is connected to any node (as this node knows), 0 otherwise: live admin updates are gathered only then',
    registers: [registry],
    collect () { this.set(stats.watched() ? 1 : 0) }
  })
  new Counter({
    name: `${prefix}admin_cluster_messages_total`,
    help: 'Messages this node sent to the other nodes for the admin UI, by kind (none while no operator is connected anywhere)',
    labelNames: ['kind'],
    registers: [registry],
    collect () {
      this.reset()
      for (const [event, n] of stats.clusterMessages()) this.inc({ kind: event.replace(/^socketgate:admin:/, '') }, n)
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
