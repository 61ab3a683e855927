// A small Grafana dashboard builder: enough JSON for the panel types socketgate's dashboards use
// (timeseries, stat, heatmap, bar gauge, table), laid out left to right in rows of 24 columns.
// Hand-written rather than @grafana/grafana-foundation-sdk: that SDK's builders would add a
// dependency and hundreds of defaults to every panel for the five panel types used here, and
// the JSON below is what Grafana itself saves for them.

/** Grafana's current dashboard schema (Grafana 10.3 to 11.x save dashboards at 39). */
export const SCHEMA_VERSION = 39
const GRID_COLUMNS = 24

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const

export interface Target {
  expr: string
  legend: string
  /** Evaluated at the end of the range only (tables, bar gauges). */
  instant?: boolean
  format?: 'time_series' | 'heatmap' | 'table'
}

export interface PanelSpec {
  title: string
  /** What the metric means and how to read the panel; shown as the panel's (i) tooltip. */
  description: string
  /** Grafana unit id: s, short, cps, reqps, Bps, pps, bytes, percentunit, none. */
  unit: string
  /** Columns out of 24. */
  width: number
  height?: number
  targets: Target[]
  /** Extra `fieldConfig.defaults` (thresholds, mappings, min, max, noValue). */
  defaults?: Record<string, unknown>
  stack?: boolean
}

interface GridPos { h: number, w: number, x: number, y: number }
type Json = Record<string, unknown>

const target = (t: Target, i: number): Json => ({
  refId: String.fromCharCode(65 + i),
  datasource: DATASOURCE,
  editorMode: 'code',
  expr: t.expr,
  legendFormat: t.legend,
  range: !t.instant,
  instant: t.instant ?? false,
  ...(t.format ? { format: t.format } : {})
})

/** Green up to `warn`, orange up to `critical`, red above. */
export const thresholds = (warn: number, critical: number): Json => ({
  thresholds: {
    mode: 'absolute',
    steps: [{ color: 'green', value: null }, { color: 'orange', value: warn }, { color: 'red', value: critical }]
  }
})

export class DashboardBuilder {
  readonly #panels: Json[] = []
  #nextId = 1
  #x = 0
  #y = 0
  #lineHeight = 0

  #place (w: number, h: number): GridPos {
    if (w > GRID_COLUMNS) throw new RangeError(`panel width ${w} exceeds ${GRID_COLUMNS} columns`)
    if (this.#x + w > GRID_COLUMNS) this.#newLine()
    const pos = { h, w, x: this.#x, y: this.#y }
    this.#x += w
    this.#lineHeight = Math.max(this.#lineHeight, h)
    return pos
  }

  #newLine (): void {
    this.#y += this.#lineHeight
    this.#x = 0
    this.#lineHeight = 0
  }

  #common (spec: PanelSpec, type: string, h: number): Json {
    return {
      id: this.#nextId++,
      type,
      title: spec.title,
      description: spec.description,
      datasource: DATASOURCE,
      gridPos: this.#place(spec.width, spec.height ?? h),
      targets: spec.targets.map(target)
    }
  }

  row (title: string): this {
    if (this.#x > 0) this.#newLine()
    this.#panels.push({ id: this.#nextId++, type: 'row', title, collapsed: false, panels: [], gridPos: this.#place(GRID_COLUMNS, 1) })
    this.#newLine()
    return this
  }

  timeseries (spec: PanelSpec): this {
    this.#panels.push({
      ...this.#common(spec, 'timeseries', 8),
      fieldConfig: {
        defaults: {
          unit: spec.unit,
          color: { mode: 'palette-classic' },
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: spec.stack ? 30 : 10,
            showPoints: 'never',
            spanNulls: false,
            stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' }
          },
          ...spec.defaults
        },
        overrides: []
      },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
        tooltip: { mode: 'multi', sort: 'desc' }
      }
    })
    return this
  }

  stat (spec: PanelSpec): this {
    this.#panels.push({
      ...this.#common(spec, 'stat', 4),
      fieldConfig: { defaults: { unit: spec.unit, color: { mode: 'thresholds' }, ...spec.defaults }, overrides: [] },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'value',
        graphMode: 'area',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'auto'
      }
    })
    return this
  }

  /** Histogram buckets as they are (calculate: false): one row per `le`, cells count observations. */
  heatmap (spec: PanelSpec & { yUnit: string }): this {
    this.#panels.push({
      ...this.#common(spec, 'heatmap', 8),
      fieldConfig: { defaults: { unit: spec.unit, ...spec.defaults }, overrides: [] },
      options: {
        calculate: false,
        cellGap: 1,
        color: { mode: 'scheme', scheme: 'Oranges', scale: 'exponential', exponent: 0.5, steps: 64, fill: 'dark-orange', reverse: false },
        yAxis: { axisPlacement: 'left', unit: spec.yUnit, reverse: false },
        rowsFrame: { layout: 'auto' },
        filterValues: { le: 1e-9 },
        legend: { show: true },
        tooltip: { mode: 'single', yHistogram: true },
        showValue: 'never'
      }
    })
    return this
  }

  barGauge (spec: PanelSpec): this {
    this.#panels.push({
      ...this.#common(spec, 'bargauge', 8),
      fieldConfig: { defaults: { unit: spec.unit, color: { mode: 'palette-classic' }, min: 0, ...spec.defaults }, overrides: [] },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'horizontal',
        displayMode: 'gradient',
        showUnfilled: true,
        valueMode: 'color',
        namePlacement: 'auto',
        sizing: 'auto',
        minVizHeight: 16,
        minVizWidth: 8,
        maxVizHeight: 300
      }
    })
    return this
  }

  table (spec: PanelSpec): this {
    this.#panels.push({
      ...this.#common(spec, 'table', 8),
      fieldConfig: { defaults: { unit: spec.unit, ...spec.defaults }, overrides: [] },
      options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: {} } }]
    })
    return this
  }

  get panels (): Json[] {
    return this.#panels
  }
}

export interface Variable {
  name: string
  label: string
  /** A `label_values(selector, label)` query. */
  query: string
  /** Regex matched when "All" is selected; unset: the union of the listed values. */
  allValue?: string
}

/** The instance and namespace variables every dashboard starts with. */
export const COMMON_VARIABLES: readonly Variable[] = [
  { name: 'instance', label: 'Instance', query: 'label_values(socketgate_build_info, instance)' },
  { name: 'namespace', label: 'Namespace', query: 'label_values(socketgate_sockets_connected{instance=~"$instance"}, namespace)', allValue: '.*' }
]

export function templating (variables: Variable[]): Json {
  return {
    list: [
      {
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        // The provisioned data source (monitoring/grafana/provisioning): data at first sight.
        current: { selected: false, text: 'Prometheus', value: 'prometheus' },
        hide: 0,
        includeAll: false,
        multi: false,
        options: [],
        refresh: 1,
        regex: '',
        skipUrlSync: false
      },
      ...variables.map((v) => ({
        name: v.name,
        label: v.label,
        type: 'query',
        datasource: DATASOURCE,
        definition: v.query,
        query: { qryType: 1, query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
        current: { selected: true, text: ['All'], value: ['$__all'] },
        hide: 0,
        includeAll: true,
        multi: true,
        ...(v.allValue ? { allValue: v.allValue } : {}),
        options: [],
        refresh: 2,
        regex: '',
        skipUrlSync: false,
        sort: 1
      }))
    ]
  }
}

export interface DashboardSpec {
  uid: string
  title: string
  description: string
  variables: Variable[]
  panels: Json[]
}

export function dashboard (spec: DashboardSpec): Json {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['socketgate'],
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard'
      }]
    },
    // Every socketgate dashboard, with the current time range and variables carried over.
    links: [{ title: 'socketgate', type: 'dashboards', tags: ['socketgate'], asDropdown: false, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    templating: templating(spec.variables),
    panels: spec.panels
  }
}
