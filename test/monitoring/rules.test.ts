// prometheus.yml and the rule files as Prometheus's own tool sees them: valid config, valid
// rules, and the alert unit tests of monitoring/*test*.yml (each alert fires on a failing
// synthetic series and stays quiet on a healthy one).
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { promisify } from 'node:util'
import t from 'tap'
import { RULE_FILES, repoPath, readYaml, ruleQueries } from './helpers.js'

const run = promisify(execFile)
const promtool = async (...args: string[]) => run('promtool', args, { cwd: repoPath() })

t.test('promtool accepts prometheus.yml and finds every rule file through it', async (t) => {
  const { stdout } = await promtool('check', 'config', 'prometheus.yml')
  t.match(stdout, /SUCCESS: prometheus.yml is valid prometheus config file syntax/)
  for (const file of RULE_FILES()) t.match(stdout, `Checking ${file.slice(repoPath().length)}`, `${file} is loaded`)
})

t.test('promtool accepts every rule file', async (t) => {
  const { stdout } = await promtool('check', 'rules', ...RULE_FILES())
  t.match(stdout, /SUCCESS/)
  t.notMatch(stdout, /FAILED/)
})

t.test('every alert fires on its synthetic failure and stays quiet on healthy series', async (t) => {
  const tests = readdirSync(repoPath('monitoring')).filter((f) => /test.*\.ya?ml$/.test(f)).map((f) => `monitoring/${f}`)
  t.ok(tests.length > 0, 'there are alert unit tests')
  const { stdout } = await promtool('test', 'rules', ...tests)
  t.match(stdout, /SUCCESS/)
  t.notMatch(stdout, /FAILED/)

  // Every alert has a test group where it is expected to fire and a time where it must not.
  const alerts = ruleQueries().filter((q) => q.alert).map((q) => q.alert!)
  const cases = tests.flatMap((f) => (readYaml(repoPath(f)) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string, exp_alerts: unknown[] }> }> }).tests)
    .flatMap((c) => c.alert_rule_test ?? [])
  for (const alert of alerts) {
    t.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} is shown firing`)
    t.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} is shown quiet`)
  }
})

t.test('every alert has a summary, a description and a runbook entry in docs/monitoring.md', async (t) => {
  const docs = readFileSync(repoPath('docs', 'monitoring.md'), 'utf8')
  // GitHub's anchors: the heading lower-cased.
  const anchors = new Set([...docs.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')))
  for (const file of RULE_FILES()) {
    const { groups } = readYaml(file) as { groups: Array<{ rules: Array<{ alert?: string, labels?: Record<string, string>, annotations?: Record<string, string> }> }> }
    for (const rule of groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
      const a = rule.annotations ?? {}
      t.ok(a.summary && a.description, `${rule.alert} has a summary and a description`)
      t.match(rule.labels?.severity, /^(critical|warning)$/, `${rule.alert} has a severity`)
      t.equal(a.runbook, `docs/monitoring.md#${rule.alert!.toLowerCase()}`, `${rule.alert} points at its runbook`)
      t.ok(anchors.has(rule.alert!.toLowerCase()), `docs/monitoring.md has a "${rule.alert}" heading`)
    }
  }
})
