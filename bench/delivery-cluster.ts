// The issue's delivery measurement on a cluster (issue 18, "Done when"): bench/delivery.ts's
// clients, publishes and cuts, against NODES server processes (2 by default) on a private
// redis-server, behind HAProxy configured from deploy/haproxy.cfg (sticky cookie, health check on
// /readyz, `option redispatch`, `retries 2`). The delivery scenario's cutting proxy sits in front
// of HAProxy; the numbered messages are published through HAProxy too, to whichever node it
// picks. Faults, timed from the first publish:
//   none     nothing but the cuts;
//   kill     node-a SIGKILLed at 1/3 of the run and started again (a new process) at 2/3, as an
//            orchestrator would: its clients resume on the other node meanwhile;
//   rolling  each node in turn SIGTERMed (socketgate drains over DRAIN_WINDOW_MS, 10 s by
//            default), started again, and taken back by HAProxy's check (inter 2s, rise 1)
//            before the next one; the first 1 s into the run (two nodes then take about 28 s:
//            the notes say whether it ended before the last publish).
// A publish is not retried by the benchmark: HAProxy already retries a connection refused by a
// dead node on another one; one in flight when a node dies fails (an error in the row) and is
// not counted as expected, since a retry could deliver it twice.
// KINDS=plain runs plain Socket.IO 4.8 with connection state recovery on upstream's
// @socket.io/redis-streams-adapter (bench/delivery-server.ts) under the same faults.
//   NODES=2 FAULTS=none,kill,rolling CUTS=half-open,clean KINDS=socketgate \
//     node --import tsx bench/delivery-cluster.ts [clients] [seconds] [cut-every-s]
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseLoadtestArgs } from '../src/cli/loadtest.js'
import { runLoadtest, type LoadtestReport } from '../src/loadtest/run.js'
import type { AnyScenario } from '../src/loadtest/scenario.js'
import type { DeliveryReport } from '../src/loadtest/scenarios/delivery.js'
import type { Phase } from '../src/loadtest/stats.js'
import { BenchCluster, type ServerKind } from './delivery-cluster-nodes.js'
import { DELIVERY_COLUMNS, deliveryCells, markdownRow } from './delivery-row.js'
import { buildGateway } from './gateway.js'

const [clients = '300', seconds = '30', cutEvery = '10'] = process.argv.slice(2)
const NODES = Number(process.env.NODES ?? 2)
const list = (name: string, fallback: string): string[] => (process.env[name] ?? fallback).split(',').filter(Boolean)
const FAULTS = list('FAULTS', 'none,kill,rolling') as Fault[]
const CUTS = list('CUTS', 'half-open,clean') as Array<'clean' | 'half-open'>
const KINDS = list('KINDS', 'socketgate') as ServerKind[]
const KEY = 'delivery-bench-key-0123456789'
const command = `NODES=${NODES} FAULTS=${FAULTS.join(',')} CUTS=${CUTS.join(',')} KINDS=${KINDS.join(',')} node --import tsx bench/delivery-cluster.ts ${clients} ${seconds} ${cutEvery}`

type Fault = 'none' | 'kill' | 'rolling'

/** Runs `fault` on `cluster`, from its first publish (`markOrigin()` was just called). */
async function inject (cluster: BenchCluster, fault: Fault): Promise<void> {
  const from = cluster.clock
  const at = async (share: number): Promise<void> => { await sleep(Math.max(0, from + share * Number(seconds) * 1000 - cluster.clock)) }
  if (fault === 'kill') {
    await at(1 / 3)
    await cluster.kill(0)
    await at(2 / 3)
    await cluster.restart(0)
    await cluster.inRotation(0)
  } else if (fault === 'rolling') {
    await sleep(1000)
    for (let i = 0; i < NODES; i++) {
      await cluster.drain(i)
      await cluster.restart(i)
      await cluster.inRotation(i)
    }
    cluster.note('rolling restart done')
  }
}

/** The delivery scenario, with `onPhase` told as it starts publishing, settling, and closes its clients. */
function withPhases (scenario: AnyScenario, onPhase: (phase: Phase) => void): AnyScenario {
  return {
    ...scenario,
    run: (ctx) => scenario.run({
      ...ctx,
      phase: async (phase) => {
        await ctx.phase(phase)
        onPhase(phase)
      }
    })
  }
}

/** Where the long resumes were: the share over 3 s, and the seconds whose resumes' p99 passed 3 s. */
function slowResumes (report: LoadtestReport<DeliveryReport>): string {
  const resume = report.latency.resume
  if (resume === undefined || resume.count === 0) return 'no resume'
  const over = report.distribution.resume?.find(([, ms]) => ms > 3000)
  const start = report.timeline.filter((s) => s.phase === 'connecting').at(-1)?.t ?? 0
  const seconds = report.timeline.filter((s) => (s.latency.resume?.p99 ?? 0) > 3000)
    .map((s) => `t+${Math.round(s.t - start)} s: ${(s.latency.resume!.p99 / 1000).toFixed(1)} s`)
  return `${resume.count} resumes, p90 ${Math.round(resume.p90!)} ms, max ${Math.round(resume.max!)} ms; over 3 s: ${over === undefined ? 'none' : `under ${(100 - over[0]).toFixed(1)} %, p99 of the second ending at ${seconds.join(', ') || '—'}`}`
}

let current: BenchCluster | undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130)) })
}

async function once (kind: ServerKind, fault: Fault, cut: 'clean' | 'half-open'): Promise<{ row: string, notes: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), `delivery-cluster-${kind}-${fault}-${cut}-`))
  const cluster = current = await BenchCluster.start({
    kind, nodes: NODES, dir, env: { PUBLISH_API_KEY: KEY, PING_INTERVAL_MS: '5000', PING_TIMEOUT_MS: '5000', LOG_LEVEL: 'info' }
  })
  try {
    const args = parseLoadtestArgs([cluster.lb.url, '--scenario', 'delivery', '--api-key', KEY, '--clients', clients, '--duration', seconds,
      '--cut-every', cutEvery, '--cut', cut, '--publish-rate', '5'])
    if (args === 'help') throw new Error('help')
    let faults: Promise<void> = Promise.resolve()
    const scenario = withPhases(args.scenario, (phase) => {
      if (phase === 'sending') {
        cluster.markOrigin()
        faults = inject(cluster, fault).catch((err: Error) => { cluster.note(`fault failed: ${err.message}`) })
      } else if (phase === 'settling') {
        cluster.note('last publish sent')
      } else if (phase === 'done') {
        cluster.note('every client got every message, or the settle time ran out: clients closed')
      }
    })
    const report = await runLoadtest({ scenario, target: args.target, options: args.options }) as LoadtestReport<DeliveryReport>
    await faults
    return {
      row: markdownRow([kind, `${NODES}, ${fault}`, cut, ...deliveryCells(report)]),
      notes: [
        `${kind}, ${fault}, ${cut} (logs in ${dir}; load average ${loadavg().map((l) => l.toFixed(1)).join(', ')}):`,
        ...cluster.events.map((e) => `  t+${e.at.toFixed(1)} s ${e.what}`),
        `  ${slowResumes(report)}`,
        ...report.problems.map((p) => `  problem: ${p}`)
      ]
    }
  } finally {
    await cluster.stop()
    current = undefined
  }
}

buildGateway()
const rows: string[] = []
const notes: string[] = []
for (const kind of KINDS) {
  for (const cut of CUTS) {
    for (const fault of FAULTS) {
      const { row, notes: n } = await once(kind, fault, cut)
      rows.push(row)
      notes.push(...n)
      process.stderr.write([row, ...n].join('\n') + '\n')
    }
  }
}
const columns = ['server', 'nodes, fault', 'cut', ...DELIVERY_COLUMNS]
process.stdout.write([
  `${new Date().toISOString()}: ${command}`,
  `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (2 cores)`,
  markdownRow(columns),
  markdownRow(columns.map(() => '---')),
  ...rows,
  '',
  'Faults (t: seconds from the first publish):',
  ...notes
].join('\n') + '\n')
