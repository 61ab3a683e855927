// What a load test counts and times, shared by every scenario: named counters, named error
// kinds, latencies in HDR histograms (every value kept to 3 significant digits, whatever the
// range, so p99.9 is as true as p50), the number of connected clients, and a timeline of
// one-second samples built from the same figures.
import { build, type Histogram } from 'hdr-histogram-js'

/** Latency figures in milliseconds, from an HDR histogram. */
export interface LatencySummary {
  count: number
  min: number | null
  mean: number | null
  p50: number | null
  p90: number | null
  p99: number | null
  p999: number | null
  max: number | null
}

/** One second of a run: rates per second over that second, latencies of that second only. */
export interface Sample {
  /** Seconds since the run started. */
  t: number
  phase: Phase
  connected: number
  /** Counter increments per second, by counter name (sent, received, …). */
  rates: Record<string, number>
  /** Errors of that second (every kind). */
  errors: number
  /** p50/p99 of that second, by latency name; absent when nothing was timed. */
  latency: Record<string, { p50: number, p99: number }>
  /** Cores the generator used over that second (1 = one core busy). */
  cpu: number
}

export type Phase = 'connecting' | 'sending' | 'settling' | 'done'

// Microseconds, so sub-millisecond loopback latencies keep their digits.
const newHistogram = (): Histogram => build({ lowestDiscernibleValue: 1, highestTrackableValue: 2, autoResize: true, numberOfSignificantValueDigits: 3 })
const ms = (us: number): number => Number((us / 1000).toFixed(3))

export function summarize (h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null }
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue)
  }
}

/** Percentile → ms pairs from p0 to max, denser towards the tail: the distribution's plot. */
export function spectrum (h: Histogram): Array<[percentile: number, ms: number]> {
  if (h.totalCount === 0) return []
  const points: Array<[number, number]> = []
  for (const p of [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999]) {
    points.push([p, ms(h.getValueAtPercentile(p))])
  }
  points.push([100, ms(h.maxValue)])
  return points
}

export class Stats {
  readonly counters = new Map<string, number>()
  readonly errors = new Map<string, number>()
  readonly #latency = new Map<string, { total: Histogram, interval: Histogram }>()
  readonly timeline: Sample[] = []
  connected = 0
  phase: Phase = 'connecting'
  #errorsTotal = 0
  #last = { counters: new Map<string, number>(), errors: 0, cpu: process.cpuUsage(), at: performance.now() }
  readonly #started = performance.now()

  count (name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  get (name: string): number {
    return this.counters.get(name) ?? 0
  }

  /** An error of some kind: `connect SG_AUTH_REQUIRED`, `ack timeout`, `disconnect ping timeout`. */
  error (kind: string, n = 1): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + n)
    this.#errorsTotal += n
  }

  get errorCount (): number {
    return this.#errorsTotal
  }

  /** Errors whose kind starts with `prefix` (`message:send` counts refusals and timeouts). */
  errorsOf (prefix: string): number {
    let n = 0
    for (const [kind, count] of this.errors) if (kind.startsWith(prefix)) n += count
    return n
  }

  latency (name: string, milliseconds: number): void {
    let h = this.#latency.get(name)
    if (!h) {
      h = { total: newHistogram(), interval: newHistogram() }
      this.#latency.set(name, h)
    }
    const us = Math.max(1, Math.round(milliseconds * 1000))
    h.total.recordValue(us)
    h.interval.recordValue(us)
  }

  histogram (name: string): Histogram | undefined {
    return this.#latency.get(name)?.total
  }

  latencyNames (): string[] {
    return [...this.#latency.keys()]
  }

  /** Closes the current one-second sample (the runner calls it every second). */
  sample (): Sample {
    const now = performance.now()
    const seconds = Math.max(0.001, (now - this.#last.at) / 1000)
    const rates: Record<string, number> = {}
    for (const [name, value] of this.counters) {
      rates[name] = Math.round((value - (this.#last.counters.get(name) ?? 0)) / seconds)
    }
    const latency: Record<string, { p50: number, p99: number }> = {}
    for (const [name, h] of this.#latency) {
      if (h.interval.totalCount > 0) latency[name] = { p50: ms(h.interval.getValueAtPercentile(50)), p99: ms(h.interval.getValueAtPercentile(99)) }
      h.interval.reset()
    }
    const cpu = process.cpuUsage(this.#last.cpu)
    const sample: Sample = {
      t: Number(((now - this.#started) / 1000).toFixed(2)),
      phase: this.phase,
      connected: this.connected,
      rates,
      errors: this.#errorsTotal - this.#last.errors,
      latency,
      cpu: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(3))
    }
    this.#last = { counters: new Map(this.counters), errors: this.#errorsTotal, cpu: process.cpuUsage(), at: now }
    this.timeline.push(sample)
    return sample
  }
}
