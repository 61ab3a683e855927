// The committed Grafana dashboards: what the generator makes, well-formed for Grafana, and equal
// in metrics to what a live gateway exports (no panel on a missing metric, no metric without a
// panel).
import t from 'tap'
import { dashboards, serialize } from '../../scripts/dashboards/index.js'
import { startGateway } from '../../src/testing.js'
import { dashboardFiles, familyOf, families, metricNames, panelsOf, recordedExprs, sourceMetrics, type Dashboard, type Panel } from './helpers.js'

const parsed = (): Map<string, Dashboard> => new Map([...dashboardFiles()].map(([f, text]) => [f, JSON.parse(text) as Dashboard]))

t.test('the committed JSON is exactly what `npm run dashboards` writes', async (t) => {
  const committed = dashboardFiles()
  const generated = dashboards()
  t.same([...committed.keys()].sort(), Object.keys(generated).sort(), 'one file per generated dashboard, no others')
  for (const [file, dashboard] of Object.entries(generated)) {
    t.equal(committed.get(file), serialize(dashboard), `dashboards/${file} is up to date (run: npm run dashboards)`)
  }
})

t.test('each dashboard has a stable uid, a current schema and the datasource, instance and namespace variables', async (t) => {
  const all = parsed()
  t.same([...all.values()].map((d) => d.uid).sort(), ['socketgate-events', 'socketgate-overview'])
  for (const [file, d] of all) {
    t.ok(d.schemaVersion >= 39, `${file}: schemaVersion ${d.schemaVersion}`)
    t.ok(d.title, `${file}: has a title`)
    const variables = d.templating.list.map((v) => v.name)
    for (const name of ['datasource', 'instance', 'namespace']) t.ok(variables.includes(name), `${file}: has the ${name} variable`)
    t.equal(d.templating.list.find((v) => v.name === 'datasource')?.type, 'datasource')
  }
})

t.test('panels have unique ids, a unit, a description and grid positions that do not overlap', async (t) => {
  for (const [file, d] of parsed()) {
    const panels = panelsOf(d)
    const ids = panels.map((p) => p.id)
    t.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`)
    t.ok(ids.every((id) => Number.isInteger(id) && id > 0), `${file}: panel ids are positive integers`)

    const placed: Panel[] = []
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos
      t.ok(x >= 0 && w > 0 && h > 0 && x + w <= 24 && y >= 0, `${file} "${p.title}": inside the 24-column grid`)
      const overlapping = placed.find((o) => x < o.gridPos.x + o.gridPos.w && o.gridPos.x < x + w && y < o.gridPos.y + o.gridPos.h && o.gridPos.y < y + h)
      t.notOk(overlapping, `${file} "${p.title}" overlaps "${overlapping?.title}"`)
      placed.push(p)
      if (p.type === 'row') continue
      t.ok(p.description && p.description.length > 40, `${file} "${p.title}": has a description`)
      t.ok(p.fieldConfig?.defaults?.unit, `${file} "${p.title}": has a unit`)
      t.ok((p.targets ?? []).length > 0, `${file} "${p.title}": has a query`)
      t.same(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `${file} "${p.title}": uses the datasource variable`)
    }
  }
})

t.test('every metric a panel uses is exported by a live gateway, and every gateway metric is on a panel', async (t) => {
  // A cluster node (REDIS_URL) with the publish API and the admin UI on: every family the
  // gateway can export.
  const gw = await startGateway(t, {
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: `socketgate-dashboards-${process.pid}`,
    publishApiKey: 'dashboards-test-publish-key',
    adminUi: true
  })
  const res = await fetch(`${gw.url}/metrics`)
  t.equal(res.status, 200)
  const exported = families(await res.text())
  t.ok(exported.has('socketgate_redis_up'), 'the cluster families are exported')

  const recorded = recordedExprs()
  const shown = new Set<string>()
  for (const [file, d] of parsed()) {
    for (const p of panelsOf(d)) {
      for (const target of p.targets ?? []) {
        for (const name of metricNames(target.expr).flatMap((n) => sourceMetrics(n, recorded))) {
          const family = familyOf(name, exported)
          t.ok(family, `${file} "${p.title}": ${name} is exported`)
          if (family) shown.add(family)
        }
      }
    }
  }
  for (const family of exported.keys()) {
    if (family.startsWith('socketgate_')) t.ok(shown.has(family), `${family} is on a panel`)
  }
  // The runtime families the overview promises: event-loop lag, heap and CPU by instance.
  for (const family of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total']) {
    t.ok(shown.has(family), `${family} is on a panel`)
  }
})
