// `socketgate loadtest URL [--scenario chat|echo|idle|publish] …`: parses the common flags and
// the chosen scenario's own, runs it with a live progress line on stderr, then prints a summary
// (or the JSON report with --json) and writes the HTML report (--report FILE).
// Exit code: 0 clean, 1 something was lost or refused, 2 bad arguments.
import { writeFile } from 'node:fs/promises'
import { option, optionsHelp, parseArgs, UsageError } from './args.js'
import { htmlReport } from '../loadtest/html.js'
import { runLoadtest } from '../loadtest/run.js'
import type { AnyScenario, OptionSpec, Target, Transport } from '../loadtest/scenario.js'
import { SCENARIOS } from '../loadtest/scenarios/index.js'
import { progressLine, summaryText } from '../loadtest/text.js'

export const commonOptions = {
  scenario: option.oneOf(Object.keys(SCENARIOS), 'What load to put on the server', { default: 'chat' }),
  clients: option.integer('Clients to connect', 1, 1_000_000, { default: 100 }),
  rate: option.positive('How often they send; what it counts depends on the scenario (below)'),
  'room-size': option.integer('Clients per room (chat, publish)', 1, 1_000_000, { default: 10 }),
  'room-prefix': option.string('Rooms are named PREFIX-<run>-<n> (chat, publish); with a token whose rooms claim is team-*, use team-load',
    { default: 'load', expected: 'letters, digits and _ . : -, at most 40', parse: (s: string) => /^[A-Za-z0-9_.:-]{1,40}$/.test(s) ? s : (() => { throw new Error('invalid') })() }),
  duration: option.duration('How long to send (idle: to hold the connections)', { default: 30 }),
  transport: option.oneOf(['websocket', 'polling'] as const, 'Transport every client uses (polling keeps a sticky load balancer\'s cookie)', { default: 'websocket' }),
  bytes: option.integer('Size of each message\'s payload', 16, 10_000_000, { default: 64 }),
  token: option.string('JWT sent as auth.token, for a gateway in AUTH_MODE=jwt (see socketgate token)', { env: 'TOKEN', expected: 'a JWT' }),
  'metrics-url': option.list('The gateways\' /metrics: the report adds what they counted for the run (CPU, events, deliveries), to compare',
    'comma-separated URLs like http://127.0.0.1:3000/metrics', /^https?:\/\/\S+$/, { env: 'METRICS_URL' }),
  'metrics-prefix': option.string('METRICS_PREFIX of those gateways', { default: 'socketgate_', env: 'METRICS_PREFIX' }),
  json: option.flag('Print the report as JSON on stdout (progress stays on stderr)'),
  report: option.string('Write a self-contained HTML report to this file', { expected: 'a file name like report.html' }),
  quiet: option.flag('No progress line')
}

const scenarioList = Object.values(SCENARIOS)

/** Every option any scenario adds, each once, with the scenarios that take it. */
function scenarioOptions (): OptionSpec {
  const all: OptionSpec = {}
  for (const s of scenarioList) Object.assign(all, s.options)
  return all
}

export function loadtestHelp (): string {
  const own = scenarioList.filter((s) => Object.keys(s.options).length > 0)
  return `Usage: socketgate loadtest URL [--scenario ${Object.keys(SCENARIOS).join('|')}] [--clients N] [--rate R]
       [--room-size K] [--duration S] [--transport websocket|polling] [--json] [--report FILE]

Puts load on a running gateway (or, for echo and idle, any Socket.IO server) through real
socket.io-client connections, with a live progress line, HDR-histogram percentiles, and a
warning when this process is the bottleneck. URL may name a namespace: http://host:3000/chat.
Exit code 0 when nothing was lost or refused, 1 otherwise, 2 for bad arguments.

Scenarios (--rate means):
${scenarioList.map((s) => `  ${s.name.padEnd(8)} ${s.summary}\n           --rate: ${s.rate.meaning}${s.rate.default !== undefined ? ` (default ${s.rate.default})` : ''}`).join('\n')}

Options:
${optionsHelp(commonOptions)}

Scenario options:
${own.map((s) => optionsHelp(s.options)).join('\n')}

Examples:
  socketgate loadtest http://localhost:3000 --clients 200 --rate 2 --duration 60 --report load.html
  socketgate loadtest http://localhost:3000 --scenario publish --api-key "$PUBLISH_API_KEY" --rate 50
  socketgate loadtest http://localhost:4000 --scenario echo --clients 50 --rate 20 --json
  socketgate loadtest http://localhost:3000 --scenario delivery --api-key "$PUBLISH_API_KEY" --clients 300 --cut-every 10 --cut half-open`
}

export interface LoadtestArgs {
  scenario: AnyScenario
  target: Target
  options: Record<string, unknown>
  json: boolean
  report: string | undefined
  quiet: boolean
  metricsUrls: URL[]
  metricsPrefix: string
}

/** Parses and checks everything before a single connection is made. */
export function parseLoadtestArgs (argv: readonly string[], env: NodeJS.ProcessEnv = {}): LoadtestArgs | 'help' {
  const extra = scenarioOptions()
  const { values, positionals, help } = parseArgs(argv, { ...commonOptions, ...extra }, env)
  if (help) return 'help'
  const scenario = SCENARIOS[values.scenario]!
  for (const name of Object.keys(extra)) {
    if (argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) && !(name in scenario.options)) {
      const owners = scenarioList.filter((s) => name in s.options).map((s) => s.name).join(', ')
      throw new UsageError(`--${name} is an option of --scenario ${owners}, not of ${scenario.name}`)
    }
  }
  if (positionals.length === 0) throw new UsageError('no URL given; expected the server\'s URL like http://127.0.0.1:3000 (a namespace may follow: /chat)')
  if (positionals.length > 1) throw new UsageError(`one URL expected; got ${positionals.map((p) => JSON.stringify(p)).join(' ')} (options start with --)`)
  let url: URL
  try {
    url = new URL(positionals[0]!)
  } catch {
    throw new UsageError(`${JSON.stringify(positionals[0])} is not a URL; expected one like http://127.0.0.1:3000 (a namespace may follow: /chat)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${url.protocol} URL; expected http: or https: (Socket.IO upgrades to WebSocket itself)`)
  const options = Object.fromEntries(Object.keys(scenario.options).map((k) => [k, (values as Record<string, unknown>)[k]]))
  return {
    scenario,
    target: {
      url,
      transport: values.transport as Transport,
      clients: values.clients,
      rate: values.rate,
      roomSize: values['room-size'],
      roomPrefix: values['room-prefix'],
      durationS: values.duration,
      bytes: values.bytes,
      token: values.token
    },
    options,
    json: values.json,
    report: values.report,
    quiet: values.quiet,
    metricsUrls: (values['metrics-url'] ?? []).map((u) => new URL(u)),
    metricsPrefix: values['metrics-prefix']
  }
}

export async function loadtest (argv: readonly string[]): Promise<void> {
  const args = parseLoadtestArgs(argv, process.env)
  if (args === 'help') {
    process.stdout.write(loadtestHelp() + '\n')
    return
  }
  const { scenario, target } = args
  // Ctrl-C stops sending; what is in flight arrives, and the report covers what was done.
  const interrupted = new AbortController()
  const onSignal = (): void => {
    if (interrupted.signal.aborted) process.exit(130)
    process.stderr.write('\nstopping: waiting for what is in flight (Ctrl-C again to quit at once)\n')
    interrupted.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  // A terminal gets one line rewritten in place; a log gets a line every 5 s.
  const tty = process.stderr.isTTY === true
  let lines = 0
  const report = await runLoadtest({
    scenario,
    target,
    options: args.options,
    metricsUrls: args.metricsUrls,
    metricsPrefix: args.metricsPrefix,
    signal: interrupted.signal,
    onSample: (sample, stats) => {
      if (args.quiet) return
      const line = progressLine(sample, stats, scenario, target)
      if (tty) process.stderr.write(`\r\x1b[K${line}`)
      else if (lines++ % 5 === 0 || sample.phase === 'done') process.stderr.write(line + '\n')
    }
  })
  if (tty && !args.quiet) process.stderr.write('\n')
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)

  if (args.report !== undefined) {
    await writeFile(args.report, htmlReport(report))
    process.stderr.write(`report: ${args.report}\n`)
  }
  process.stdout.write((args.json ? JSON.stringify(report) : summaryText(report, scenario)) + '\n')
  // For scripts and CI: anything refused, lost or dropped makes the run fail.
  if (!report.ok) process.exitCode = 1
}
