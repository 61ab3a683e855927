// The command line of `socketgate`'s tools: every mistake is named with what was expected.
import t from 'tap'
import { option, parseArgs, parseDuration, UsageError } from '../../src/cli/args.js'
import { parseLoadtestArgs } from '../../src/cli/loadtest.js'
import { tokenOptions } from '../../src/cli/token.js'

const spec = {
  clients: option.integer('Clients', 1, 1000, { default: 100 }),
  rate: option.positive('Rate'),
  transport: option.oneOf(['websocket', 'polling'] as const, 'Transport', { default: 'websocket' }),
  json: option.flag('JSON'),
  sub: option.string('User', { required: true, env: 'SUB' })
}

const usage = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    if (err instanceof UsageError) return err.message
    throw err
  }
  throw new Error('no UsageError')
}

t.test('values come from flags, then the environment, then defaults', async (t) => {
  const { values, positionals } = parseArgs(['http://x', '--clients', '5', '--rate=2.5', '--json', '--sub', 'bob'], spec)
  t.same(values, { clients: 5, rate: 2.5, json: true, sub: 'bob', transport: 'websocket' })
  t.same(positionals, ['http://x'])
  t.equal(parseArgs([], spec, { SUB: 'from-env' }).values.sub, 'from-env')
  t.equal(parseArgs(['--sub', 'flag'], spec, { SUB: 'env' }).values.sub, 'flag', 'a flag wins over the env')
  t.same(parseArgs(['--sub', 'a', '--', '--not-an-option'], spec).positionals, ['--not-an-option'], '-- ends the options')
})

t.test('every kind of mistake names the option and what was expected', async (t) => {
  const cases: Array<[string[], string | RegExp]> = [
    [['--clinets', '5', '--sub', 'a'], '--clinets: unknown option; did you mean --clients?'],
    [['--bogus', '--sub', 'a'], '--bogus: unknown option'],
    [['--clients', 'many', '--sub', 'a'], '--clients: "many" is not valid; expected an integer from 1 to 1000'],
    [['--clients', '0', '--sub', 'a'], '--clients: "0" is not valid; expected an integer from 1 to 1000'],
    [['--clients=2.5', '--sub', 'a'], '--clients: "2.5" is not valid; expected an integer from 1 to 1000'],
    [['--rate', '-1', '--sub', 'a'], '--rate: "-1" is not valid; expected a positive number'],
    [['--transport', 'udp', '--sub', 'a'], '--transport: "udp" is not valid; expected one of websocket, polling'],
    [['--json=yes', '--sub', 'a'], '--json takes no value; got "yes"'],
    [['--sub'], '--sub: missing value; expected a value'],
    [['--sub', '--json'], '--sub: missing value; expected a value'],
    [[], '--sub is required; expected a value']
  ]
  for (const [argv, message] of cases) t.equal(usage(() => parseArgs(argv, spec)), message, argv.join(' ') || '(nothing)')
  t.equal(usage(() => parseArgs([], spec, { SUB: '' })), '--sub is required; expected a value', 'an empty env value is no value')
})

t.test('durations read as seconds, with s, m, h or d', async (t) => {
  t.same(['90', '1.5s', '15m', '1h', '7d'].map(parseDuration), [90, 1.5, 900, 3600, 604_800])
  t.same(['', '0', '-1h', '1w', 'h', '1 hour'].map(parseDuration), [undefined, undefined, undefined, undefined, undefined, undefined])
  t.equal(usage(() => parseArgs(['--sub', 'a', '--ttl', '1w'], tokenOptions)), '--ttl: "1w" is not valid; expected a duration like 90s, 15m, 1h or 7d (a bare number is seconds)')
  t.equal(usage(() => parseArgs(['--sub', 'a', '--rooms', 'team red'], tokenOptions)),
    '--rooms: "team red" is not valid; expected a comma-separated list of room names or patterns like team-*,chat-general')
})

t.test('loadtest: the URL, the scenario and options that belong to another scenario', async (t) => {
  t.equal(usage(() => parseLoadtestArgs([])), 'no URL given; expected the server\'s URL like http://127.0.0.1:3000 (a namespace may follow: /chat)')
  t.equal(usage(() => parseLoadtestArgs(['localhost:3000'])), 'localhost: URL; expected http: or https: (Socket.IO upgrades to WebSocket itself)')
  t.equal(usage(() => parseLoadtestArgs(['not a url'])), '"not a url" is not a URL; expected one like http://127.0.0.1:3000 (a namespace may follow: /chat)')
  t.equal(usage(() => parseLoadtestArgs(['http://a', 'http://b'])), 'one URL expected; got "http://a" "http://b" (options start with --)')
  t.equal(usage(() => parseLoadtestArgs(['http://a', '--scenario', 'flood'])), '--scenario: "flood" is not valid; expected one of chat, delivery, echo, idle, publish')
  t.equal(usage(() => parseLoadtestArgs(['http://a', '--event', 'ping'])), '--event is an option of --scenario echo, not of chat')
  t.equal(usage(() => parseLoadtestArgs(['http://a', '--duration', 'forever'])), '--duration: "forever" is not valid; expected a duration like 90s, 15m, 1h or 7d (a bare number is seconds)')
  t.equal(usage(() => parseLoadtestArgs(['http://a', '--metrics-url', 'metrics'])), '--metrics-url: "metrics" is not valid; expected comma-separated URLs like http://127.0.0.1:3000/metrics')
  t.equal(usage(() => parseLoadtestArgs(['http://a'], { METRICS_URL: 'x' })), 'METRICS_URL: "x" is not valid; expected comma-separated URLs like http://127.0.0.1:3000/metrics', 'env values are checked and named too')

  const parsed = parseLoadtestArgs(['http://127.0.0.1:3000/chat', '--scenario', 'echo', '--event', 'ping', '--clients', '3', '--duration', '2m', '--transport', 'polling'])
  t.not(parsed, 'help')
  if (parsed === 'help') return
  t.equal(parsed.scenario.name, 'echo')
  t.same(parsed.options, { event: 'ping' })
  t.match(parsed.target, { clients: 3, durationS: 120, transport: 'polling', roomSize: 10, bytes: 64, rate: undefined })
  t.equal(parsed.target.url.pathname, '/chat')
  t.equal(parseLoadtestArgs(['--help']), 'help')
})
