// The command line of every `socketgate` command but `serve` (whose flags come from the settings
// schema in src/config.ts). A command declares its options once, typed; the same declaration
// parses argv, reports a bad argument naming it and what was expected, and prints --help.

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface Option<T> {
  /** Words for --help and errors: "a positive integer". */
  expected: string
  description: string
  /** Shown in --help; applied when the option is absent. */
  default?: T
  /** Read when the flag is absent (after the flag, before the default). */
  env?: string
  /** A flag that takes no value (`--json`). */
  boolean?: boolean
  /** The option must be given (by flag or env). */
  required?: boolean
  /** Turns the text into the value; throws (any Error) when it is not valid. */
  parse: (raw: string) => T
}

type Spec = Record<string, Option<any>>
type Extra<T> = Partial<Omit<Option<T>, 'parse'>>
/** An option's value: always there when it has a default or is required, else maybe undefined. */
export type Values<S extends Spec> = {
  [K in keyof S]: S[K] extends Option<infer T>
    ? S[K] extends { default: unknown } ? T : S[K] extends { required: true } ? T : T | undefined
    : never
}

const fail = (): never => { throw new Error('invalid') }

// Builders for the usual kinds of value, so every command words its errors the same way.
export const option = {
  string: <const E extends Extra<string>>(description: string, extra?: E): Option<string> & E => ({
    expected: 'a value', description, parse: (s: string) => s === '' ? fail() : s, ...extra as E
  }),
  integer: <const E extends Extra<number>>(description: string, min: number, max: number, extra?: E): Option<number> & E => ({
    expected: max === Number.MAX_SAFE_INTEGER ? `an integer from ${min}` : `an integer from ${min} to ${max}`,
    description,
    parse: (s: string) => {
      const n = /^-?\d+$/.test(s.trim()) ? Number(s) : NaN
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : fail()
    },
    ...extra as E
  }),
  positive: <const E extends Extra<number>>(description: string, extra?: E): Option<number> & E => ({
    expected: 'a positive number',
    description,
    parse: (s: string) => {
      const n = s.trim() === '' ? NaN : Number(s)
      return Number.isFinite(n) && n > 0 ? n : fail()
    },
    ...extra as E
  }),
  oneOf: <T extends string, const E extends Extra<T> = Extra<T>>(values: readonly T[], description: string, extra?: E): Option<T> & E => ({
    expected: `one of ${values.join(', ')}`, description, parse: (s: string) => values.includes(s as T) ? s as T : fail(), ...extra as E
  }),
  list: <const E extends Extra<string[]>>(description: string, expected: string, item: RegExp, extra?: E): Option<string[]> & E => ({
    expected,
    description,
    parse: (s: string) => {
      const items = s.split(',').map((v) => v.trim()).filter(Boolean)
      return items.length > 0 && items.every((v) => item.test(v)) ? items : fail()
    },
    ...extra as E
  }),
  flag: (description: string): Option<boolean> & { default: boolean } => ({
    expected: 'no value', description, boolean: true, parse: () => true, default: false
  }),
  /** `90`, `90s`, `15m`, `1h`, `7d`: seconds. */
  duration: <const E extends Extra<number>>(description: string, extra?: E): Option<number> & E => ({
    expected: 'a duration like 90s, 15m, 1h or 7d (a bare number is seconds)',
    description,
    parse: (s: string) => parseDuration(s) ?? fail(),
    ...extra as E
  })
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Seconds in `90`, `1.5s`, `15m`, `1h`, `7d`; undefined when it is none of those or not positive. */
export function parseDuration (raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(raw.trim())
  if (!m) return undefined
  const seconds = Number(m[1]) * UNITS[m[2] || 's']!
  return seconds > 0 ? seconds : undefined
}

export interface Parsed<S extends Spec> {
  values: Values<S>
  positionals: string[]
  help: boolean
}

function valueOf (spec: Option<unknown>, raw: string, source: string): unknown {
  try {
    return spec.parse(raw)
  } catch {
    throw new UsageError(`${source}: ${JSON.stringify(raw)} is not valid; expected ${spec.expected}`)
  }
}

/**
 * Reads `--name value`, `--name=value` and boolean `--name`; other words are positionals, and
 * `--` ends the options. An unknown option, a missing value, a bad value or a missing required
 * option throws a UsageError that names it.
 */
export function parseArgs<S extends Spec> (argv: readonly string[], spec: S, env: NodeJS.ProcessEnv = {}): Parsed<S> {
  const values: Record<string, unknown> = {}
  const positionals: string[] = []
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break }
    if (arg === '--help' || arg === '-h') { help = true; continue }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue }
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const name = flag.replace(/^--?/, '')
    const opt = flag.startsWith('--') ? spec[name] : undefined
    if (!opt) {
      const near = closest(name, Object.keys(spec))
      throw new UsageError(`${flag}: unknown option${near ? `; did you mean --${near}?` : ''}`)
    }
    let raw = eq === -1 ? undefined : arg.slice(eq + 1)
    if (opt.boolean) {
      if (raw !== undefined) throw new UsageError(`${flag} takes no value; got ${JSON.stringify(raw)}`)
      values[name] = true
      continue
    }
    if (raw === undefined) {
      const next = argv[i + 1]
      // `--sub --ttl 1h` means a forgotten value, not the user "--ttl".
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${flag}: missing value; expected ${opt.expected}`)
      raw = next
      i++
    }
    values[name] = valueOf(opt, raw, flag)
  }
  for (const [name, opt] of Object.entries(spec)) {
    if (values[name] !== undefined) continue
    const fromEnv = opt.env === undefined ? undefined : env[opt.env]
    if (fromEnv !== undefined && fromEnv !== '') values[name] = valueOf(opt, fromEnv, opt.env!)
    else if (opt.default !== undefined) values[name] = opt.default
    else if (opt.required && !help) throw new UsageError(`--${name} is required; expected ${opt.expected}`)
  }
  return { values: values as Values<S>, positionals, help }
}

/** The option a typo most likely meant: at most two edits away. */
function closest (name: string, names: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of names) {
    const d = distance(name, candidate)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return best
}

/** Levenshtein distance, for "did you mean". */
export function distance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

/** `--help` text: usage lines, then one block per option with its default and env. */
export function optionsHelp (spec: Spec): string {
  const lines: string[] = []
  for (const [name, opt] of Object.entries(spec)) {
    const value = opt.boolean ? '' : ' ' + (name.toUpperCase().replaceAll('-', '_'))
    const extras = [
      opt.required ? 'required' : undefined,
      opt.default !== undefined && !opt.boolean ? `default: ${Array.isArray(opt.default) ? opt.default.join(',') : String(opt.default)}` : undefined,
      opt.env ? `env: ${opt.env}` : undefined
    ].filter(Boolean)
    lines.push(`  --${name}${value}${extras.length ? `  (${extras.join('; ')})` : ''}`)
    lines.push(`      ${opt.description}${opt.boolean ? '' : `; ${opt.expected}`}`)
  }
  return lines.join('\n')
}
