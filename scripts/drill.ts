// `npx tsx scripts/drill.ts [--hold <seconds>]`: the fault drill of test/monitoring/drill.test.ts
// (real Prometheus, two gateways on a private Redis; kill -9 a node, stop Redis, freeze Redis,
// slow consumers),
// with each fault held `--hold` seconds (default 60) once its alerts fire, to watch the alerts and
// dashboards through a longer outage. Prints tap's report; exits non-zero if any check failed.
import { spawnSync } from 'node:child_process'

const at = process.argv.indexOf('--hold')
const hold = at > 0 ? Number(process.argv[at + 1]) : 60
if (!Number.isInteger(hold) || hold < 0 || hold > 3600) {
  process.stderr.write(`--hold must be a whole number of seconds from 0 to 3600, got ${String(process.argv[at + 1])}\n`)
  process.exit(2)
}
const result = spawnSync('npx', ['tap', '--reporter=tap', 'test/monitoring/drill.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, DRILL_HOLD_S: String(hold) }
})
process.exitCode = result.status ?? 1
