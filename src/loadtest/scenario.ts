// What a load-test scenario is: a module with typed options of its own and a typed report of its
// own, run by the one runner (src/loadtest/run.ts) that gives every scenario the same live
// progress line, JSON report, HTML report, CPU watch and gateway-counter comparison.
//
// Adding a scenario: write `src/loadtest/scenarios/<name>.ts` exporting
// `defineScenario({ name, summary, options, run, … })` and add it to SCENARIOS in
// src/loadtest/scenarios/index.ts. Its options appear in `socketgate loadtest --help`, are
// parsed and checked like every other flag, and reach `run` typed.
import type { Option, Values } from '../cli/args.js'
import type { Phase, Stats } from './stats.js'

export type Transport = 'websocket' | 'polling'

/** What every scenario is pointed at and how hard: the common flags of `socketgate loadtest`. */
export interface Target {
  /** The server; a path names a namespace (`http://host:3000/chat`). */
  url: URL
  transport: Transport
  clients: number
  /** As the scenario reads it (`rate.meaning`); undefined when the flag was not given and the scenario has no default. */
  rate: number | undefined
  roomSize: number
  /** Rooms are named `<roomPrefix>-<run>-<n>`: a token's rooms claim must allow them. */
  roomPrefix: string
  durationS: number
  /** Size of each message's payload. */
  bytes: number
  /** Sent as the handshake's `auth.token` (AUTH_MODE=jwt). */
  token: string | undefined
}

export interface ScenarioContext<O> {
  target: Target
  options: O
  stats: Stats
  /** Random id of this run: marks its rooms and messages, so other traffic is not counted. */
  run: string
  /** Aborted on Ctrl-C: stop sending, let what is in flight arrive, report. */
  signal: AbortSignal
  /**
   * Tells the runner where the scenario is. `sending` starts the measured window (generator
   * CPU, the gateways' counters); `settling` ends sending; `done` ends the measured window.
   */
  phase: (phase: Phase) => Promise<void>
}

export type OptionSpec = Record<string, Option<any>>

export interface Scenario<S extends OptionSpec = OptionSpec, R extends object = object> {
  name: string
  /** One line for --help. */
  summary: string
  /** What --rate means here, for --help and the report; its default when not given. */
  rate: { meaning: string, default?: number }
  /** This scenario's own flags (besides the common ones). */
  options: S
  /** The latency the progress line and the report headline show. */
  primary: string
  /** The counters the progress line shows as sent/s and received/s. */
  counters: { sent: string, received: string }
  run: (ctx: ScenarioContext<Values<S>>) => Promise<R>
  /** What was lost or refused (connect errors, missing deliveries…): any makes the run fail. */
  problems: (report: R, stats: Stats) => string[]
  /** Human lines for the text summary. */
  describe: (report: R) => string[]
}

/** Any scenario, as the registry and the runner hold them (each one is typed where it is defined). */
export type AnyScenario = Scenario<any, any>

/** Checks the pieces fit together (options typed from their declaration) and returns the scenario. */
export function defineScenario<S extends OptionSpec, R extends object> (scenario: Scenario<S, R>): Scenario<S, R> {
  return scenario
}
