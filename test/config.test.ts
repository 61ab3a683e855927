import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { fromArgv, fromEnv, helpText, resolveConfig, settingsTable, type ConfigInput } from '../src/config.js'
import { createGateway } from '../src/app.js'
import { ConfigError } from '../src/errors.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The ConfigError that `fn` throws; fails the test when it throws nothing or something else. */
function configError (t: Test, fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    t.type(err, ConfigError)
    t.equal((err as ConfigError).code, 'SG_CONFIG_INVALID')
    return err as ConfigError
  }
  t.fail('expected a ConfigError')
  return new ConfigError('')
}

const fromEnvOnly = (env: Record<string, string>) => () => resolveConfig(fromEnv(env))

t.test('with no settings every default applies and the result is frozen', async (t) => {
  const config = resolveConfig(fromEnv({}))
  t.match(config, {
    port: 3000,
    host: '0.0.0.0',
    logLevel: 'info',
    corsOrigins: [],
    transports: ['polling', 'websocket'],
    connectionRecovery: 'auto',
    namespaces: [],
    defaultRoom: 'chat-general',
    authMode: 'none'
  })
  t.equal(config.jwtSecret, undefined)
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.transports), 'arrays inside are frozen too')
  t.throws(() => { (config as { port: number }).port = 1 }, TypeError)
  t.throws(() => { (config.namespaces as string[]).push('/x') }, TypeError)
})

t.test('env values are parsed into the types the schema asks for', async (t) => {
  const config = resolveConfig(fromEnv({
    PORT: ' 8080 ',
    TRANSPORTS: 'websocket',
    CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
    NAMESPACES: '/chat,/support',
    CONNECTION_RECOVERY: 'on',
    LOG_LEVEL: 'warn',
    HOST: ''
  }))
  t.match(config, {
    port: 8080,
    transports: ['websocket'],
    corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
    namespaces: ['/chat', '/support'],
    connectionRecovery: true,
    logLevel: 'warn',
    host: '0.0.0.0'
  })
})

t.test('CONNECTION_RECOVERY takes auto as well as the boolean spellings', async (t) => {
  t.equal(resolveConfig(fromEnv({ CONNECTION_RECOVERY: 'auto' })).connectionRecovery, 'auto')
  t.equal(resolveConfig(fromEnv({ CONNECTION_RECOVERY: 'off' })).connectionRecovery, false)
  t.equal(resolveConfig(fromArgv(['--connection-recovery']).input).connectionRecovery, true)
  t.equal(resolveConfig(fromArgv(['--connection-recovery', 'false']).input).connectionRecovery, false)
})

// Each bad value: [env, the line the operator must see].
const badValues: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'abc' }, /^PORT: "abc" is not valid; expected an integer from 0 to 65535$/],
  [{ PORT: '70000' }, /^PORT: 70000 is not valid; expected an integer from 0 to 65535$/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: "loud" is not valid; expected one of fatal, error, warn, info, debug, trace, silent$/],
  [{ TRANSPORTS: 'smoke' }, /^TRANSPORTS: "smoke" is not valid; expected a comma-separated list of polling, websocket$/],
  [{ CORS_ORIGINS: 'not-a-url' }, /^CORS_ORIGINS: "not-a-url" is not valid; expected a comma-separated list of origins/],
  [{ NAMESPACES: 'chat' }, /^NAMESPACES: "chat" is not valid; expected a comma-separated list of namespace names like \/chat,\/support$/],
  [{ HOST: 'not a host' }, /^HOST: "not a host" is not valid; expected a host name or IP address$/],
  [{ CONNECTION_RECOVERY: 'maybe' }, /^CONNECTION_RECOVERY: "maybe" is not valid; expected auto, true or false$/],
  [{ AUTH_MODE: 'jwt' }, /^AUTH_MODE: "jwt" needs JWT_SECRET \(HS256\) or JWT_PUBLIC_KEY \(RS256\/ES256\); neither is set$/],
  [{ AUTH_MODE: 'ldap' }, /^AUTH_MODE: "ldap" is not valid; expected none or jwt$/],
  [{ DRAIN_WINDOW_MS: '30000', SHUTDOWN_TIMEOUT_MS: '30000' },
    /^DRAIN_WINDOW_MS: 30000 is not below SHUTDOWN_TIMEOUT_MS \(30000\); expected a drain window shorter than the shutdown deadline$/],
  [{ DRAIN_ACK_TIMEOUT_MS: 'soon' }, /^DRAIN_ACK_TIMEOUT_MS: "soon" is not valid; expected a non-negative integer \(milliseconds\)$/]
]

for (const [env, line] of badValues) {
  t.test(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} is refused with a line naming the key, the value and what is expected`, async (t) => {
    const err = configError(t, fromEnvOnly(env))
    t.match(err.message, line)
    t.equal(err.message.split('\n').length, 1)
  })
}

t.test('HOST takes names, IPv4 and IPv6 addresses', async (t) => {
  for (const host of ['localhost', 'gateway.internal', '127.0.0.1', '::', '::1', 'fe80::1%eth0', 'my_service']) {
    t.equal(resolveConfig(fromEnv({ HOST: host })).host, host)
  }
})

t.test('secret values are never echoed back', async (t) => {
  const secret = 'hunter2-is-short'
  const err = configError(t, fromEnvOnly({ AUTH_MODE: 'jwt', JWT_SECRET: secret, PUBLISH_API_KEY: 'also-short' }))
  const lines = err.message.split('\n')
  t.match(lines, [
    /^JWT_SECRET: \(hidden\) is not valid; expected a string of at least 32 characters$/,
    /^PUBLISH_API_KEY: \(hidden\) is not valid; expected a string of at least 16 characters$/
  ])
  t.notMatch(err.message, secret)
  t.notMatch(err.message, 'also-short')
})

t.test('a private key pasted into JWT_PUBLIC_KEY is refused without being echoed', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const err = configError(t, fromEnvOnly({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem }))
  t.match(err.message, /^JWT_PUBLIC_KEY: \(hidden\) is not valid; expected a PEM public key/)
  t.notMatch(err.message, 'PRIVATE KEY')
  t.notMatch(err.message, pem.split('\n')[1]!)
})

t.test('JWT_SECRET and JWT_PUBLIC_KEY together are refused: exactly one is expected', async (t) => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const err = configError(t, fromEnvOnly({
    AUTH_MODE: 'jwt',
    JWT_SECRET: 'x'.repeat(32),
    JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }))
  t.equal(err.message, 'JWT_SECRET and JWT_PUBLIC_KEY are both set; expected exactly one of them')
})

t.test('several bad keys give one line each, in one error', async (t) => {
  const err = configError(t, fromEnvOnly({ PORT: 'abc', LOG_LEVEL: 'loud', TRANSPORTS: 'smoke,websocket' }))
  const lines = err.message.split('\n')
  t.equal(lines.length, 3)
  t.match(lines, [/^PORT: "abc"/, /^LOG_LEVEL: "loud"/, /^TRANSPORTS: "smoke,websocket"/])
})

t.test('an unknown library option is refused, naming the option', async (t) => {
  const err = configError(t, () => resolveConfig({ prot: 3000 } as ConfigInput))
  t.match(err.message, /^prot: unknown setting; expected one of port, host,/)
})

t.test('CLI flags are read in both forms and override env', async (t) => {
  const { input, help } = fromArgv(['--port', '4000', '--log-level=debug', '--connection-recovery', '--namespaces', '/a,/b'])
  t.equal(help, false)
  const config = resolveConfig({ ...fromEnv({ PORT: '5000', LOG_LEVEL: 'warn', HOST: '127.0.0.1' }), ...input })
  t.match(config, { port: 4000, logLevel: 'debug', connectionRecovery: true, namespaces: ['/a', '/b'], host: '127.0.0.1' })
})

t.test('an unknown CLI flag is refused, pointing at --help', async (t) => {
  const err = configError(t, () => fromArgv(['--prot', '80']))
  t.equal(err.message, '--prot: unknown option; run with --help to list the options')
})

t.test('a CLI flag without its value is refused, naming the env key and what is expected', async (t) => {
  t.equal(configError(t, () => fromArgv(['--port'])).message,
    'PORT (--port): missing value; expected an integer from 0 to 65535')
  // The next flag is not taken for the value.
  t.equal(configError(t, () => fromArgv(['--host', '--port', '1'])).message,
    'HOST (--host): missing value; expected a host name or IP address')
})

t.test('--help is recognised and its text lists every env name and flag', async (t) => {
  t.equal(fromArgv(['--help']).help, true)
  const text = helpText()
  const table = settingsTable()
  t.ok(table.length >= 20)
  for (const { env, flag } of table) {
    t.match(text, new RegExp(`^  ${flag}, ${env}\\b`, 'm'), `${env} is listed`)
  }
  for (const env of ['PORT', 'HOST', 'LOG_LEVEL', 'CORS_ORIGINS', 'TRANSPORTS', 'CONNECTION_RECOVERY', 'AUTH_MODE',
    'JWT_SECRET', 'JWT_PUBLIC_KEY', 'PUBLISH_API_KEY', 'NAMESPACES']) {
    t.ok(table.some((row) => row.env === env), `${env} is a setting`)
  }
})

t.test('createGateway refuses bad options with a ConfigError before building anything', async (t) => {
  await t.rejects(createGateway({ port: 'abc' as unknown as number, logLevel: 'silent' }),
    { code: 'SG_CONFIG_INVALID', message: /^PORT: "abc" is not valid/ })
})

/** Runs the real server entry point with only the given env (plus PATH). */
function runServer (env: Record<string, string>, args: string[] = []): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/server.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 30_000
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr })
    })
  })
}

t.test('the server process exits 2 on PORT=abc with one line naming PORT', async (t) => {
  const { code, stdout, stderr } = await runServer({ PORT: 'abc' })
  t.equal(code, 2)
  t.equal(stdout, '')
  const portLines = stderr.split('\n').filter((l) => l.includes('PORT'))
  t.same(portLines, ['PORT: "abc" is not valid; expected an integer from 0 to 65535'])
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
})

t.test('the server process lets a flag override env, and names the flag value', async (t) => {
  const { code, stderr } = await runServer({ PORT: 'abc' }, ['--port', '70000'])
  t.equal(code, 2)
  t.match(stderr, /^PORT: 70000 is not valid/m)
  t.notMatch(stderr, 'abc')
})

t.test('the server process prints the settings table on --help and exits 0', async (t) => {
  const { code, stdout } = await runServer({}, ['--help'])
  t.equal(code, 0)
  t.match(stdout, /^Usage: socketgate/)
  for (const { env } of settingsTable()) t.match(stdout, env)
})

t.test('the server process refuses to start with a JWT_PUBLIC_KEY that is not a usable key', async (t) => {
  const { code, stderr } = await runServer({
    AUTH_MODE: 'jwt',
    JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAAnot-a-key\n-----END PUBLIC KEY-----\n'
  })
  t.equal(code, 2)
  t.match(stderr, /^JWT_PUBLIC_KEY: \(hidden\) is not valid; expected a PEM public key/m)
  t.notMatch(stderr, 'not-a-key')
})

t.test('a JWT_PUBLIC_KEY of an unsupported type is refused at start-up, naming the type', async (t) => {
  const { publicKey } = generateKeyPairSync('ed25519')
  await t.rejects(createGateway({
    logLevel: 'silent',
    authMode: 'jwt',
    jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }), { code: 'SG_CONFIG_INVALID', message: /^JWT_PUBLIC_KEY: key type ed25519 is not supported; expected an RSA key \(RS256\) or a P-256 EC key \(ES256\)$/ })
})

t.test('a JWT_PUBLIC_KEY RSA key shorter than 2048 bits is refused at start-up, not at every token', async (t) => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  await t.rejects(createGateway({
    logLevel: 'silent',
    authMode: 'jwt',
    jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }), { code: 'SG_CONFIG_INVALID', message: 'JWT_PUBLIC_KEY: a 1024-bit RSA key is too short; expected at least 2048 bits for RS256' })
})

t.test('a P-384 JWT_PUBLIC_KEY is refused, naming the curve', async (t) => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  await t.rejects(createGateway({
    logLevel: 'silent',
    authMode: 'jwt',
    jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }), { code: 'SG_CONFIG_INVALID', message: /^JWT_PUBLIC_KEY: key type ec \(secp384r1\) is not supported;/ })
})

t.test('a JWT_PUBLIC_KEY given on one line with literal \\n separators is accepted', async (t) => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const oneLine = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().replaceAll('\n', '\\n')
  t.notMatch(oneLine, '\n')
  const gw = await createGateway({ ...resolveConfig(fromEnv({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: oneLine })), logLevel: 'silent' })
  t.teardown(() => gw.close())
  t.equal(gw.config.authMode, 'jwt')
})
