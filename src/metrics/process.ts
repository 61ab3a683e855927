// prom-client's default Node.js metrics, minus those whose scrape walks every open socket, plus
// build information. Measured at 10 000 sockets: `process_open_fds` reads the whole fd table
// (~9 ms) and `nodejs_active_handles`/`_resources` build an array of every handle (~4.5 ms), on
// the event loop that serves every client. Their flat-cost stand-ins are here and in gauges.ts.
// `nodejs_gc_duration_seconds` is replaced too: prom-client's counts one GC per observer
// callback, and several GCs often arrive in one (three `gc()` in a row counted as one).
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client'

/** Default metrics that cost O(open sockets) per scrape, and the GC histogram that misses GCs. */
export const REPLACED_DEFAULTS = [
  'process_open_fds',
  'nodejs_active_handles', 'nodejs_active_handles_total',
  'nodejs_active_resources', 'nodejs_active_resources_total',
  'nodejs_gc_duration_seconds'
]

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb'
}

/** Every GC pause, by kind (same name, labels and buckets as prom-client's). */
function gcDurations (registry: Registry): void {
  const histogram = new Histogram({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind'],
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry]
  })
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other'
      histogram.observe({ kind }, entry.duration / 1000)
    }
  })
  observer.observe({ entryTypes: ['gc'] })
}

const FD_DIR = '/proc/self/fd'

/** Linux ≥ 6.2 reports the number of open fds as the size of /proc/self/fd: one stat, any fd count. */
function openFdsCounter (): (() => number) | undefined {
  try {
    if (statSync(FD_DIR).size > 0) return () => statSync(FD_DIR).size
  } catch {}
  return undefined
}

function packageVersion (path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

let shared: Metric[] | undefined

/**
 * The process-wide series, created once per process and registered on every gateway's registry:
 * they describe the process, not a gateway, and prom-client never stops its event-loop monitor
 * or GC observer, so a set per gateway would keep one of each for every gateway ever created.
 */
function processCollectors (): Metric[] {
  if (shared) return shared
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  for (const name of REPLACED_DEFAULTS) registry.removeSingleMetric(name)
  gcDurations(registry)
  const openFds = openFdsCounter()
  if (openFds) {
    new Gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors (one stat of /proc/self/fd, whatever their number).',
      registers: [registry],
      collect () { this.set(openFds()) }
    })
  }
  // The ceiling of the V8 heap (--max-old-space-size or V8's default for the machine): heap
  // used against it says how close the process is to dying of "heap out of memory".
  new Gauge({
    name: 'nodejs_heap_size_limit_bytes',
    help: 'V8 heap size limit (v8.getHeapStatistics().heap_size_limit): the heap cannot grow past it.',
    registers: [registry],
    collect () { this.set(getHeapStatistics().heap_size_limit) }
  })
  // prom-client types these as plain objects; they are its Metric instances.
  shared = registry.getMetricsAsArray() as unknown as Metric[]
  return shared
}

/** Registers the process metrics and the gateway's build information on `registry`. */
export function processMetrics (registry: Registry, prefix: string): void {
  for (const metric of processCollectors()) registry.registerMetric(metric)

  const require = createRequire(import.meta.url)
  const socketIoVersion = packageVersion(join(dirname(require.resolve('socket.io')), '..', 'package.json'))
  const version = packageVersion(new URL('../../package.json', import.meta.url).pathname)
  new Gauge({
    name: `${prefix}build_info`,
    help: 'Always 1; the labels say which gateway, Socket.IO and Node.js versions run.',
    labelNames: ['version', 'socketio_version', 'node_version'],
    registers: [registry]
  }).set({ version, socketio_version: socketIoVersion, node_version: process.version }, 1)
}
