// `npm run dashboards`: writes dashboards/*.json from scripts/dashboards/. `--check` writes
// nothing and exits 1 when a committed file differs from what the generator makes.
import { readFileSync, writeFileSync } from 'node:fs'
import { DASHBOARD_DIR, dashboards, serialize } from './dashboards/index.js'

const check = process.argv.includes('--check')
let stale = 0
for (const [file, dashboard] of Object.entries(dashboards())) {
  const path = new URL(file, DASHBOARD_DIR)
  const text = serialize(dashboard)
  let current: string | undefined
  try { current = readFileSync(path, 'utf8') } catch {}
  if (current === text) continue
  if (check) {
    process.stderr.write(`dashboards/${file} differs from the generator's output; run: npm run dashboards\n`)
    stale++
  } else {
    writeFileSync(path, text)
    process.stdout.write(`wrote dashboards/${file}\n`)
  }
}
process.exitCode = stale > 0 ? 1 : 0
