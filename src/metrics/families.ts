// Counters and histograms for the hot path. prom-client's own Counter and Histogram hash their
// label object on every inc()/observe(), even through `labels(...)` children; at 100k events a
// second that alone costs a large share of the throughput. These keep one plain object per
// series, found once by the caller and kept, and build prom-client's output only at scrape time,
// so the registry formats them exactly like its own metrics.
import type { Metric, Registry } from 'prom-client'

export type Labels = Readonly<Record<string, string>>

interface Sample { labels: Record<string, string | number>, value: number, metricName?: string }

abstract class Family<S extends { readonly labels: Labels }> {
  readonly aggregator = 'sum'
  readonly #series = new Map<string, S>()

  constructor (readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  abstract readonly type: 'counter' | 'histogram'
  protected abstract create (labels: Labels): S
  protected abstract samples (series: S): Sample[]
  abstract reset (): void

  /** The series for these label values (in `labelNames` order); look it up once and keep it. */
  series (...values: string[]): S {
    const key = values.join('\u0000')
    let found = this.#series.get(key)
    if (!found) {
      if (values.length !== this.labelNames.length) {
        throw new TypeError(`${this.name}: expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`)
      }
      found = this.create(Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])))
      this.#series.set(key, found)
    }
    return found
  }

  get seriesCount (): number {
    return this.#series.size
  }

  protected all (): IterableIterator<S> {
    return this.#series.values()
  }

  /** Registry hook (prom-client's metric interface). */
  collect (): void {}

  async get (): Promise<{ name: string, help: string, type: string, aggregator: string, values: Sample[] }> {
    const values: Sample[] = []
    for (const s of this.#series.values()) values.push(...this.samples(s))
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  register (registry: Registry): this {
    registry.registerMetric(this as unknown as Metric)
    return this
  }
}

export class CounterSeries {
  value = 0
  constructor (readonly labels: Labels) {}
  inc (n = 1): void {
    this.value += n
  }
}

export class FastCounter extends Family<CounterSeries> {
  readonly type = 'counter'
  protected create (labels: Labels): CounterSeries {
    return new CounterSeries(labels)
  }

  protected samples (s: CounterSeries): Sample[] {
    return [{ labels: { ...s.labels }, value: s.value }]
  }

  reset (): void {
    for (const s of this.all()) s.value = 0
  }
}

export class HistogramSeries {
  readonly counts: Float64Array
  sum = 0
  count = 0
  constructor (readonly labels: Labels, readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe (value: number): void {
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    this.counts[i]!++
    this.sum += value
    this.count++
  }
}

export class FastHistogram extends Family<HistogramSeries> {
  readonly type = 'histogram'
  constructor (name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, labelNames)
  }

  protected create (labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds)
  }

  protected samples (s: HistogramSeries): Sample[] {
    const out: Sample[] = []
    let cumulative = 0
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += s.counts[i]!
      out.push({ labels: { ...s.labels, le: this.bounds[i]! }, value: cumulative, metricName: `${this.name}_bucket` })
    }
    out.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` })
    out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` })
    out.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` })
    return out
  }

  reset (): void {
    for (const s of this.all()) {
      s.counts.fill(0)
      s.sum = 0
      s.count = 0
    }
  }
}
