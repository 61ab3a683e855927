// docs/metrics.md must list exactly the series the registry holds: name, type and labels.
import { readFile } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { Registry } from 'prom-client'
import { startGateway } from '../../src/testing.js'

interface Row { type: string, labels: string[] }

/** The rows of the doc's metric tables; with `cluster: false`, without the cluster section's. */
async function documented ({ cluster }: { cluster: boolean }): Promise<Map<string, Row>> {
  let doc = await readFile(new URL('../../docs/metrics.md', import.meta.url), 'utf8')
  if (!cluster) doc = doc.replace(/^### Cluster[\s\S]*?(?=^##)/m, '')
  const rows = new Map<string, Row>()
  for (const m of doc.matchAll(/^\| `([a-z0-9_]+)` \| (counter|gauge|histogram|summary) \| ([^|]*) \|/gm)) {
    const labels = m[3]!.trim() === '—' ? [] : [...m[3]!.matchAll(/`([a-z_]+)`/g)].map((l) => l[1]!)
    if (rows.has(m[1]!)) throw new Error(`${m[1]} is documented twice`)
    rows.set(m[1]!, { type: m[2]!, labels })
  }
  return rows
}

async function compare (t: Test, registry: Registry, docs: Map<string, Row>): Promise<void> {
  const inRegistry = new Map<string, Row>()
  const json = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, m]))
  for (const metric of registry.getMetricsAsArray() as unknown as Array<{ name: string, labelNames?: string[] }>) {
    inRegistry.set(metric.name, { type: String(json.get(metric.name)!.type), labels: [...(metric.labelNames ?? [])] })
  }
  t.same([...docs.keys()].sort(), [...inRegistry.keys()].sort(), 'same metric names')
  for (const [name, row] of inRegistry) t.same(docs.get(name), row, name)

  // And every label a series actually carries is one of the documented ones (le aside).
  for (const m of json.values()) {
    const allowed = new Set([...(docs.get(m.name)?.labels ?? []), 'le'])
    for (const v of m.values) for (const label of Object.keys(v.labels)) t.ok(allowed.has(label), `${m.name} label ${label} is documented`)
  }
}

t.test('docs/metrics.md lists every metric of the registry, with its type and labels, and nothing else', async (t) => {
  const gw = await startGateway(t)
  await compare(t, gw.app.metrics.registry!, await documented({ cluster: false }))
})

t.test('with REDIS_URL, the registry also holds exactly the cluster section of docs/metrics.md', async (t) => {
  const gw = await startGateway(t, { redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: `metrics-docs-${process.pid}-${Date.now()}` })
  await compare(t, gw.app.metrics.registry!, await documented({ cluster: true }))
})
