// Shared by test/monitoring/*.test.ts: the repo's monitoring files as data (dashboard queries,
// rule expressions, the metric names they use) and a real Prometheus child process.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { freePort } from '../free-port.js'
export { freePort }

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const repoPath = (...parts: string[]): string => join(REPO, ...parts)

// Teardown registration that works with tap's Test without importing its types here.
export interface Teardown { teardown: (fn: () => unknown) => void }

export const readYaml = (path: string): unknown => parse(readFileSync(path, 'utf8'), { merge: true })

type Json = Record<string, unknown>
export interface Panel extends Json {
  id: number
  type: string
  title: string
  description?: string
  gridPos: { x: number, y: number, w: number, h: number }
  targets?: Array<{ expr: string }>
  fieldConfig?: { defaults?: { unit?: string } }
  panels?: Panel[]
}
export interface Dashboard extends Json {
  uid: string
  title: string
  schemaVersion: number
  panels: Panel[]
  templating: { list: Array<{ name: string, type: string, query: unknown, definition?: string }> }
}

export function dashboardFiles (): Map<string, string> {
  const dir = repoPath('dashboards')
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]))
}

/** Every panel, those inside collapsed rows included. */
export function panelsOf (d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])])
}

export interface Query { where: string, expr: string }

/** Every PromQL expression of the dashboards: panel targets and the selectors of variables. */
export function dashboardQueries (): Query[] {
  const out: Query[] = []
  for (const [file, text] of dashboardFiles()) {
    const d = JSON.parse(text) as Dashboard
    for (const p of panelsOf(d)) for (const t of p.targets ?? []) out.push({ where: `${file} "${p.title}"`, expr: t.expr })
    for (const v of d.templating.list) {
      if (v.type !== 'query') continue
      // label_values(selector, label): the selector is the PromQL part.
      const m = /^label_values\((.*),\s*\w+\)$/.exec(String(v.definition))
      if (!m) throw new Error(`${file}: variable ${v.name} is not a label_values() query: ${String(v.definition)}`)
      out.push({ where: `${file} variable ${v.name}`, expr: m[1]! })
    }
  }
  return out
}

export interface RuleQuery extends Query { alert?: string, record?: string }

export const RULE_FILES = (): string[] =>
  readdirSync(repoPath('monitoring', 'rules')).filter((f) => f.endsWith('.yml')).map((f) => repoPath('monitoring', 'rules', f))

export function ruleQueries (): RuleQuery[] {
  const out: RuleQuery[] = []
  for (const file of RULE_FILES()) {
    const { groups } = readYaml(file) as { groups: Array<{ rules: Array<{ alert?: string, record?: string, expr: string }> }> }
    for (const g of groups) {
      for (const r of g.rules) {
        out.push({ where: `${file.slice(REPO.length)} ${r.alert ?? r.record!}`, expr: r.expr.trim(), ...(r.alert ? { alert: r.alert } : { record: r.record! }) })
      }
    }
  }
  return out
}

/** What Grafana substitutes: "All" for every variable, a rate window of a few 1 s scrapes. */
export const substitute = (expr: string): string =>
  expr.replaceAll('$__rate_interval', '30s').replace(/\$(instance|namespace|event)\b/g, '.*')

const NOT_METRICS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'])

/**
 * Metric names an expression selects: what is left once strings, label matchers, ranges,
 * grouping clauses and function names are taken out.
 */
export function metricNames (expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\w+/g, ' ')
  const names = new Set<string>()
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    if (m[1] === '(' || NOT_METRICS.has(m[0].toLowerCase())) continue
    names.add(m[0])
  }
  return [...names]
}

/** Recording rule name → its expression, to follow dashboard queries back to exported series. */
export function recordedExprs (): Map<string, string> {
  const out = new Map<string, string>()
  for (const q of ruleQueries()) if (q.record) out.set(q.record, out.has(q.record) ? `${out.get(q.record)!} or ${q.expr}` : q.expr)
  return out
}

/** The exported metric names behind a name, following recording rules. */
export function sourceMetrics (name: string, recorded = recordedExprs()): string[] {
  const expr = recorded.get(name)
  if (expr === undefined) return [name]
  return metricNames(expr).flatMap((n) => sourceMetrics(n, recorded))
}

/** `# TYPE name type` lines of a /metrics page. */
export function families (exposition: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!)
  return out
}

/** The family a sample name belongs to (`x_bucket` → `x` for a histogram `x`). */
export function familyOf (name: string, all: Map<string, string>): string | undefined {
  if (all.has(name)) return name
  const m = /^(.*)_(bucket|sum|count)$/.exec(name)
  if (m && (all.get(m[1]!) === 'histogram' || all.get(m[1]!) === 'summary')) return m[1]
  return undefined
}

export interface PromResult { metric: Record<string, string>, value: [number, string] }

export interface Prometheus {
  url: string
  query: (expr: string) => Promise<PromResult[]>
  /** Polls `expr` until `ok(result)` or the deadline; resolves with the last result. */
  waitFor: (expr: string, ok: (r: PromResult[]) => boolean, deadline: number) => Promise<PromResult[]>
}

/** Throws with Prometheus's own message when the query does not parse or fails. */
async function query (url: string, expr: string): Promise<PromResult[]> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) })
  const body = await res.json() as { status: string, error?: string, data?: { resultType: string, result: PromResult[] } }
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? res.status}`)
  if (body.data!.resultType !== 'vector') throw new Error(`${expr}: expected an instant vector, got ${body.data!.resultType}`)
  return body.data!.result
}

/**
 * Starts /usr/bin/prometheus (Debian's package) with `config(port)` (YAML text) and a temporary
 * storage directory on a free port; stopped and cleaned in teardown. Resolves once ready.
 */
export async function startPrometheus (t: Teardown, config: (port: number) => string): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'socketgate-prom-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  writeFileSync(join(dir, 'prometheus.yml'), config(port))
  const url = `http://127.0.0.1:${port}`
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    child.kill('SIGTERM')
    await exited
  })

  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`)
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
    if (ready) break
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 20 s: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    query: (expr) => query(url, expr),
    waitFor: async (expr, ok, until) => {
      for (;;) {
        const r = await query(url, expr)
        if (ok(r) || Date.now() > until) return r
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  }
}
