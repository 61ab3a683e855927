// Runs one scenario and turns what it measured into the report every output (progress line, text
// summary, JSON, HTML) is made from. The runner owns the clock: one-second samples, the
// generator's own CPU and event-loop delay while sending (a generator near one full core
// measures its own queueing, and says so), and the gateways' counters around the run.
import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { difference, readCounters, type GatewayCounters, type GatewayReport } from './gateway-metrics.js'
import type { AnyScenario, Target } from './scenario.js'
import { spectrum, Stats, summarize, type LatencySummary, type Phase, type Sample } from './stats.js'

/** Share of one core from which the generator, not the server, may set the pace. */
export const SATURATED_CPU = 0.9
/** Event-loop delay (p99, ms) from which the generator's own timers distort what it measures. */
export const SATURATED_LOOP_MS = 50

export interface LoadtestReport<R extends object = object> {
  scenario: string
  url: string
  transport: string
  startedAt: string
  /** The common settings of the run, as given or defaulted. */
  settings: { clients: number, rate: number | null, rateMeaning: string, roomSize: number, durationS: number, bytes: number }
  /** Seconds spent sending (or holding, for idle). */
  seconds: number
  connected: number
  /** Counters by name, at the end (sent, acked, delivered, …). */
  counts: Record<string, number>
  /** Errors by kind (`connect SG_AUTH_REQUIRED`, `message:send timeout`, `disconnect ping timeout`). */
  errors: Record<string, number>
  /** Milliseconds, by latency name; `primary` is the headline one. */
  latency: Record<string, LatencySummary>
  primary: string
  /** Per latency name: [percentile, ms] points from p0 to the max (HDR). */
  distribution: Record<string, Array<[number, number]>>
  /** sent and received counters per second over the sending window. */
  throughput: { sent: string, received: string, sentPerSecond: number, receivedPerSecond: number, intendedPerSecond: number | null }
  timeline: Sample[]
  /**
   * This process while sending: cores used (1 = one full core), its busiest second, its event
   * loop's delay; `saturated` when it used most of a core (it, not the server, sets the pace).
   */
  generator: { cpu: number, cpuMax: number, eventLoopP99Ms: number, saturated: boolean, warnings: string[] }
  gateway?: GatewayReport
  /** The scenario's own figures. */
  result: R
  /** What was lost or refused; empty when the run is clean (exit code 0). */
  problems: string[]
  ok: boolean
}

export interface RunOptions {
  scenario: AnyScenario
  target: Target
  /** The scenario's own options, parsed from its declaration. */
  options: Record<string, unknown>
  /** Gateways' /metrics to compare with (several nodes: several URLs). */
  metricsUrls?: readonly URL[]
  metricsPrefix?: string
  /** Called with every one-second sample, for the progress line. */
  onSample?: (sample: Sample, stats: Stats) => void
  signal?: AbortSignal
}

/** Sending rate the scenario aimed at, per second, when it has one. */
function intended (scenario: AnyScenario, target: Target, connected: number): number | null {
  if (target.rate === undefined) return scenario.rate.default === undefined ? null : intended(scenario, { ...target, rate: scenario.rate.default }, connected)
  if (scenario.name === 'idle') return null
  return scenario.rate.meaning.includes('per client') ? Math.round(target.rate * connected) : target.rate
}

export async function runLoadtest (opts: RunOptions): Promise<LoadtestReport> {
  const { scenario, target } = opts
  const stats = new Stats()
  const metricsUrls = opts.metricsUrls ?? []
  const prefix = opts.metricsPrefix ?? 'socketgate_'
  const startedAt = new Date()
  const loop = monitorEventLoopDelay({ resolution: 10 })

  const abort = new AbortController()
  // Every paced connection and every wait listens to it: thousands of listeners are normal.
  setMaxListeners(0, abort.signal)
  opts.signal?.addEventListener('abort', () => abort.abort(), { once: true })
  const tick = (): void => {
    lastSample = performance.now()
    const sample = stats.sample()
    opts.onSample?.(sample, stats)
  }
  let ticker = setInterval(tick, 1000)
  let lastSample = performance.now()
  // A phase change closes the current sample (unless it is a sliver), so that even a
  // one-second run has a sample of its sending alone; the next ones follow from there.
  const changePhase = (phase: Phase): void => {
    if (performance.now() - lastSample >= 200) {
      tick()
      clearInterval(ticker)
      ticker = setInterval(tick, 1000)
    }
    stats.phase = phase
  }

  let atStart: GatewayCounters | undefined
  let atSending: GatewayCounters | undefined
  let atDone: GatewayCounters | undefined
  let sendingFrom = 0
  let sendingCpu = process.cpuUsage()
  let sendingTo = 0
  let generatorCpu = 0
  let doneAt = 0

  if (metricsUrls.length > 0) atStart = await readCounters(metricsUrls, prefix)
  let result: object
  try {
    result = await scenario.run({
      target,
      options: opts.options,
      stats,
      run: randomBytes(5).toString('hex'),
      signal: abort.signal,
      phase: async (phase) => {
        changePhase(phase)
        if (phase === 'sending') {
          // Read before the first message can leave: the deltas are then this run's alone.
          if (metricsUrls.length > 0) atSending = await readCounters(metricsUrls, prefix)
          sendingFrom = performance.now()
          sendingCpu = process.cpuUsage()
          loop.enable()
        } else if (phase === 'settling') {
          sendingTo = performance.now()
          const cpu = process.cpuUsage(sendingCpu)
          generatorCpu = (cpu.user + cpu.system) / 1e6 / Math.max(0.001, (sendingTo - sendingFrom) / 1000)
          loop.disable()
        } else if (phase === 'done') {
          doneAt = performance.now()
          if (metricsUrls.length > 0) atDone = await readCounters(metricsUrls, prefix)
        }
      }
    })
  } finally {
    clearInterval(ticker)
    loop.disable()
  }
  if (performance.now() - lastSample >= 200 || stats.timeline.length === 0) tick()

  const seconds = sendingTo > sendingFrom ? (sendingTo - sendingFrom) / 1000 : 0
  const sending = stats.timeline.filter((s) => s.phase === 'sending')
  const cpuMax = sending.reduce((max, s) => Math.max(max, s.cpu), 0)
  const eventLoopP99Ms = loop.count > 0 ? Number((loop.percentile(99) / 1e6).toFixed(1)) : 0
  const saturated = generatorCpu >= SATURATED_CPU
  const warnings: string[] = []
  if (saturated) {
    warnings.push(`this generator used ${Math.round(generatorCpu * 100)} % of a core while sending: it, not the server, may set the pace, and its latencies include its own queueing; spread the clients over more generator processes or machines`)
  } else if (eventLoopP99Ms >= SATURATED_LOOP_MS) {
    warnings.push(`this generator's event loop ran up to ${eventLoopP99Ms} ms late (p99) while it used only ${Math.round(generatorCpu * 100)} % of a core: the machine is busy (other processes, or the server on the same cores), and the latencies include that delay`)
  }
  const connected = stats.histogram('connect')?.totalCount ?? 0
  const perSecond = (name: string): number => seconds > 0 ? Math.round(stats.get(name) / seconds) : 0

  const latency: Record<string, LatencySummary> = {}
  const distribution: Record<string, Array<[number, number]>> = {}
  for (const name of stats.latencyNames()) {
    latency[name] = summarize(stats.histogram(name)!)
    distribution[name] = spectrum(stats.histogram(name)!)
  }
  const errors = Object.fromEntries(stats.errors)
  const problems = [
    ...Object.entries(errors).map(([kind, n]) => `${kind} × ${n}${kind.endsWith('SG_ROOM_FORBIDDEN') ? ` (the token's rooms claim must allow ${target.roomPrefix}-*: see --room-prefix)` : ''}`),
    ...(connected === 0 ? ['no client connected'] : []),
    ...scenario.problems(result, stats)
  ]
  const report: LoadtestReport = {
    scenario: scenario.name,
    url: target.url.href,
    transport: target.transport,
    startedAt: startedAt.toISOString(),
    settings: {
      clients: target.clients,
      rate: target.rate ?? scenario.rate.default ?? null,
      rateMeaning: scenario.rate.meaning,
      roomSize: target.roomSize,
      durationS: target.durationS,
      bytes: target.bytes
    },
    seconds: Number(seconds.toFixed(2)),
    connected,
    counts: Object.fromEntries(stats.counters),
    errors,
    latency,
    primary: scenario.primary,
    distribution,
    throughput: {
      sent: scenario.counters.sent,
      received: scenario.counters.received,
      sentPerSecond: perSecond(scenario.counters.sent),
      receivedPerSecond: perSecond(scenario.counters.received),
      intendedPerSecond: intended(scenario, target, connected)
    },
    timeline: stats.timeline,
    generator: {
      cpu: Number(generatorCpu.toFixed(2)),
      cpuMax: Number(cpuMax.toFixed(2)),
      eventLoopP99Ms,
      saturated,
      warnings
    },
    ...(atStart && atSending && atDone ? { gateway: difference(atStart, atDone, metricsUrls.length, Math.max(0.001, (doneAt - sendingFrom) / 1000), atSending) } : {}),
    result,
    problems,
    ok: problems.length === 0
  }
  return report
}
