// `--report out.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched)
// with what the run did over time and the latency distribution, plus the JSON report embedded
// for whoever wants the numbers back.
import { esc, lineChart, PERCENTILE_TICKS, percentileX, type Series } from './charts.js'
import type { LoadtestReport } from './run.js'

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2']

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.2rem; color: #111827; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
.sub { color: #6b7280; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: .5rem .7rem; }
.card b { display: block; font-size: 1.25rem; } .card span { color: #6b7280; font-size: .85rem; }
.warn, .bad { border-radius: 8px; padding: .6rem .8rem; margin: .8rem 0; }
.warn { background: #fffbeb; border: 1px solid #f59e0b; } .bad { background: #fef2f2; border: 1px solid #ef4444; }
.ok { color: #047857; }
table { border-collapse: collapse; margin: .3rem 0; } td, th { padding: .2rem .7rem; text-align: right; border-bottom: 1px solid #f3f4f6; }
td:first-child, th:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: 1fr; gap: 1rem; }
svg .title { font-weight: 600; font-size: 13px; } svg .tick { font-size: 11px; fill: #6b7280; }
svg .axis-label { font-size: 11px; fill: #374151; } svg .legend { font-size: 11px; }
svg .grid { stroke: #f3f4f6; } svg .axis { stroke: #9ca3af; } svg .rule { stroke: #f59e0b; stroke-dasharray: 4 3; }
svg .band { fill: #eff6ff; }
@media print { .charts { break-inside: avoid; } }
`

const fmt = (v: number | null | undefined): string => v === null || v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en')
const card = (value: string, what: string): string => `<div class="card"><b>${esc(value)}</b><span>${esc(what)}</span></div>`
const table = (head: string[], rows: Array<Array<string | number>>): string =>
  `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`

export function htmlReport (r: LoadtestReport): string {
  const sending = r.timeline.filter((s) => s.phase === 'sending')
  const xRange: [number, number] = [0, Math.max(1, ...r.timeline.map((s) => s.t))]
  const band = sending.length > 0 ? [{ from: sending[0]!.t - 1, to: sending.at(-1)!.t, label: 'sending' }] : []
  const t = r.throughput
  const primary = r.latency[r.primary]
  const latencyNames = [r.primary, ...Object.keys(r.latency).filter((n) => n !== r.primary)].filter((n) => r.latency[n])
  // Connecting happens once, before the load: its seconds-long handshakes under a ramp would
  // flatten the charts of what the load did. Its figures stay in the table.
  const charted = latencyNames.filter((n) => n === r.primary || n !== 'connect')

  const throughput = lineChart({
    title: 'Throughput per second',
    xRange,
    xLabel: 'seconds since start',
    yLabel: 'per second',
    bands: band,
    series: [
      { name: `${t.sent}/s`, color: COLORS[0]!, points: r.timeline.map((s) => [s.t, s.rates[t.sent] ?? 0]) },
      { name: `${t.received}/s`, color: COLORS[2]!, points: r.timeline.map((s) => [s.t, s.rates[t.received] ?? 0]) },
      { name: 'errors/s', color: COLORS[1]!, points: r.timeline.map((s) => [s.t, s.errors]) }
    ]
  })
  const latencyOverTime = lineChart({
    title: `Latency over time (${r.primary}, and the others at p99)`,
    xRange,
    xLabel: 'seconds since start',
    yLabel: 'milliseconds',
    bands: band,
    series: charted.flatMap((name, i): Series[] => {
      const points = (q: 'p50' | 'p99'): Array<[number, number]> => r.timeline.filter((s) => s.latency[name]).map((s) => [s.t, s.latency[name]![q]])
      return name === r.primary
        ? [{ name: `${name} p50`, color: COLORS[0]!, points: points('p50') }, { name: `${name} p99`, color: COLORS[1]!, points: points('p99') }]
        : [{ name: `${name} p99`, color: COLORS[(i + 2) % COLORS.length]!, points: points('p99'), dashed: true }]
    })
  })
  const distribution = lineChart({
    title: 'Latency distribution (HDR histogram, whole run)',
    xLabel: 'percentile',
    yLabel: 'milliseconds',
    xTicks: PERCENTILE_TICKS,
    series: charted.map((name, i) => ({
      name, color: COLORS[i % COLORS.length]!, points: (r.distribution[name] ?? []).map(([p, ms]): [number, number] => [percentileX(p), ms])
    }))
  })
  const clients = lineChart({
    title: 'Connected clients, and this generator\'s CPU',
    xRange,
    xLabel: 'seconds since start',
    yLabel: 'clients / % of a core',
    bands: band,
    rules: [{ y: 90, label: 'CPU: 90 % of a core' }],
    series: [
      { name: 'connected clients', color: COLORS[4]!, points: r.timeline.map((s) => [s.t, s.connected]) },
      { name: 'generator CPU %', color: COLORS[3]!, points: r.timeline.map((s) => [s.t, Math.round(s.cpu * 100)]) }
    ]
  })

  const gateway = r.gateway
    ? `<h2>What the gateway counted (${r.gateway.nodes} node${r.gateway.nodes > 1 ? 's' : ''}, its /metrics)</h2>` +
      table(['figure', 'value'], [
        ['CPU while sending (cores)', r.gateway.cpuCores],
        ...Object.entries(r.gateway.eventsReceived).map(([e, n]): [string, number] => [`events received: ${e}`, n]),
        ['deliveries (broadcast recipients)', r.gateway.deliveries],
        ['connects', r.gateway.connects],
        ...Object.entries(r.gateway.publishRequests).map(([s, n]): [string, number] => [`publish requests, status ${s}`, n])
      ])
    : ''
  // Embedded for machines; "<" escaped so no value can close the script element.
  const json = JSON.stringify(r).replace(/</g, '\\u003c')

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>socketgate loadtest: ${esc(r.scenario)} on ${esc(r.url)}</title><style>${STYLE}</style></head>
<body>
<h1>socketgate loadtest: ${esc(r.scenario)}</h1>
<p class="sub">${esc(r.url)} over ${esc(r.transport)} · started ${esc(r.startedAt)} · ${esc(r.settings.clients)} clients, rate ${esc(r.settings.rate ?? 'unpaced')} (${esc(r.settings.rateMeaning)}), room size ${esc(r.settings.roomSize)}, ${esc(r.settings.durationS)} s, ${esc(r.settings.bytes)} bytes</p>
${r.ok ? '<p class="ok">Nothing was lost or refused.</p>' : `<div class="bad"><b>Problems</b><ul>${r.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`}
${r.generator.warnings.map((w) => `<div class="warn"><b>${r.generator.saturated ? 'The generator may be the bottleneck.' : 'The machine was busy.'}</b> ${esc(w)}</div>`).join('')}
<div class="cards">
${card(`${r.connected} / ${r.settings.clients}`, 'clients connected')}
${card(`${t.sentPerSecond.toLocaleString('en')}/s`, `${t.sent}${t.intendedPerSecond !== null ? ` (${t.intendedPerSecond.toLocaleString('en')}/s intended)` : ''}`)}
${card(`${t.receivedPerSecond.toLocaleString('en')}/s`, t.received)}
${card(`${fmt(primary?.p50)} ms`, `${r.primary} p50`)}
${card(`${fmt(primary?.p99)} ms`, `${r.primary} p99`)}
${card(`${fmt(primary?.max)} ms`, `${r.primary} max`)}
${card(String(Object.values(r.errors).reduce((a, b) => a + b, 0)), 'errors')}
${card(`${Math.round(r.generator.cpu * 100)} %`, 'generator CPU (one core = 100 %)')}
</div>
<h2>Over time</h2>
<div class="charts">${throughput}${latencyOverTime}${clients}</div>
<h2>Latency distribution</h2>
<div class="charts">${distribution}</div>
${table(['latency (ms)', 'count', 'min', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'], latencyNames.map((n) => {
    const l = r.latency[n]!
    return [n, l.count, fmt(l.min), fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.p999), fmt(l.max)]
  }))}
<h2>Counts</h2>
${table(['counter', 'value'], Object.entries(r.counts))}
${Object.keys(r.errors).length > 0 ? `<h2>Errors</h2>${table(['kind', 'count'], Object.entries(r.errors))}` : ''}
${gateway}
<h2>This generator</h2>
${table(['figure', 'value'], [
    ['CPU while sending (% of a core)', Math.round(r.generator.cpu * 100)],
    ['CPU peak second (% of a core)', Math.round(r.generator.cpuMax * 100)],
    ['event-loop delay p99 while sending (ms)', r.generator.eventLoopP99Ms]
  ])}
<script type="application/json" id="report">${json}</script>
</body></html>
`
}
