// Every dashboard the repo ships, by file name under dashboards/, serialised the one way the
// committed files are written (test/monitoring/dashboards.test.ts compares the two).
import { eventsDashboard } from './events.js'
import { overviewDashboard } from './overview/index.js'

export const DASHBOARD_DIR = new URL('../../dashboards/', import.meta.url)

export function dashboards (): Record<string, Record<string, unknown>> {
  return {
    'gateway-overview.json': overviewDashboard(),
    'events-drill-down.json': eventsDashboard()
  }
}

export const serialize = (dashboard: unknown): string => JSON.stringify(dashboard, null, 2) + '\n'
