// Inline SVG charts for the HTML report: drawn here, as text, so the report is one file that
// opens anywhere (no script, no CDN, nothing fetched) and prints as it shows.

export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export interface Series {
  name: string
  color: string
  points: Array<[number, number]>
  dashed?: boolean
}

export interface ChartOptions {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  /** x ranges to shade, e.g. the sending window. */
  bands?: Array<{ from: number, to: number, label: string }>
  /** Horizontal reference lines. */
  rules?: Array<{ y: number, label: string }>
  /** The x axis's span, when several charts must line up; else the data's. */
  xRange?: [number, number]
  /** Tick positions and labels on x, when the scale is not linear. */
  xTicks?: Array<[number, string]>
  width?: number
  height?: number
}

/** 1, 2 or 5 times a power of ten: round tick steps. */
function niceStep (range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks)
  const power = 10 ** Math.floor(Math.log10(raw || 1))
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power
  return 10 * power
}

const label = (v: number): string => Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(0)}k` : Number(v.toPrecision(4)).toString()

export function lineChart (o: ChartOptions): string {
  const width = o.width ?? 720
  const height = o.height ?? 260
  const m = { top: 44, right: 16, bottom: 40, left: 64 }
  const w = width - m.left - m.right
  const h = height - m.top - m.bottom
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = [...o.series.flatMap((s) => s.points.map((p) => p[1])), ...(o.rules ?? []).map((r) => r.y)]
  const x0 = o.xRange?.[0] ?? (xs.length ? Math.min(...xs) : 0)
  const x1 = o.xRange?.[1] ?? (xs.length ? Math.max(...xs, x0 + 1) : 1)
  const yStep = niceStep(Math.max(...ys, 0) || 1, 5)
  const y1 = Math.max(yStep, Math.ceil((Math.max(...ys, 0) || 1) / yStep) * yStep)
  const X = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * w
  const Y = (y: number): number => m.top + h - (y / y1) * h
  const parts: string[] = [
    `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<text x="${m.left}" y="16" class="title">${esc(o.title)}</text>`
  ]
  for (const b of o.bands ?? []) {
    const from = X(Math.max(b.from, x0))
    const to = X(Math.min(b.to, x1))
    if (to > from) parts.push(`<rect x="${from.toFixed(1)}" y="${m.top}" width="${(to - from).toFixed(1)}" height="${h}" class="band"><title>${esc(b.label)}</title></rect>`)
  }
  for (let y = 0; y <= y1 + 1e-9; y += yStep) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${Y(y).toFixed(1)}" y2="${Y(y).toFixed(1)}" class="grid"/>`,
      `<text x="${m.left - 6}" y="${(Y(y) + 4).toFixed(1)}" class="tick" text-anchor="end">${label(y)}</text>`)
  }
  const xTicks = o.xTicks ?? (() => {
    const step = niceStep(x1 - x0, 8)
    const out: Array<[number, string]> = []
    for (let x = Math.ceil(x0 / step) * step; x <= x1 + 1e-9; x += step) out.push([x, label(x)])
    return out
  })()
  for (const [x, text] of xTicks) {
    parts.push(`<line x1="${X(x).toFixed(1)}" x2="${X(x).toFixed(1)}" y1="${m.top + h}" y2="${m.top + h + 4}" class="axis"/>`,
      `<text x="${X(x).toFixed(1)}" y="${m.top + h + 16}" class="tick" text-anchor="middle">${esc(text)}</text>`)
  }
  parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" class="axis"/>`,
    `<text x="${m.left + w / 2}" y="${height - 6}" class="axis-label" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" class="axis-label" text-anchor="middle">${esc(o.yLabel)}</text>`)
  for (const r of o.rules ?? []) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${Y(r.y).toFixed(1)}" y2="${Y(r.y).toFixed(1)}" class="rule"/>`,
      `<text x="${m.left + w - 4}" y="${(Y(r.y) - 4).toFixed(1)}" class="tick" text-anchor="end">${esc(r.label)}</text>`)
  }
  let legendX = m.left
  for (const s of o.series) {
    if (s.points.length > 0) {
      const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join('')
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}><title>${esc(s.name)}</title></path>`)
      if (s.points.length === 1) parts.push(`<circle cx="${X(s.points[0]![0]).toFixed(1)}" cy="${Y(s.points[0]![1]).toFixed(1)}" r="3" fill="${s.color}"/>`)
    }
    // Legend: a row under the title, one entry per series.
    parts.push(`<rect x="${legendX}" y="27" width="12" height="3" fill="${s.color}"/>`, `<text x="${legendX + 16}" y="32" class="legend">${esc(s.name)}</text>`)
    legendX += 16 + s.name.length * 6.5 + 18
  }
  parts.push('</svg>')
  return parts.join('')
}

/** HdrHistogram's percentile axis: 0, 90, 99, 99.9 … evenly spaced (log of 1 / (1 - p)). */
export const percentileX = (p: number): number => p >= 100 ? 5.3 : Math.min(5.3, Math.log10(100 / (100 - p)))
export const PERCENTILE_TICKS: Array<[number, string]> = [[0, '0'], [90, '90'], [99, '99'], [99.9, '99.9'], [99.99, '99.99'], [99.999, '99.999']]
  .map(([p, l]) => [percentileX(p as number), l as string])
