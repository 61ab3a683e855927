// `socketgate` as a user runs it: help on every command, clear errors, a token the gateway
// accepts, a password hash the admin login accepts.
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as ioc } from 'socket.io-client'
import t, { type Test } from 'tap'
import { mintToken } from '../../src/cli/token.js'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { built, runCli } from './helpers.js'

// Real processes, browsers and load runs on a loaded machine: more than tap's 60 s per file.
t.setTimeout(120_000)

built()
const SECRET = 'a-secret-of-at-least-32-characters!!'

t.test('every command answers --help with its usage, exit 0', async (t) => {
  const top = await runCli(['--help'])
  t.equal(top.code, 0)
  for (const command of ['serve', 'loadtest', 'token', 'hash-password']) t.match(top.stdout, new RegExp(`^  ${command} `, 'm'))
  const results = await Promise.all(['serve', 'loadtest', 'token', 'hash-password'].map((c) => runCli([c, '--help'])))
  t.match(results[0], { code: 0, stdout: /^Usage: socketgate \[serve\][^]*--port, PORT[^]*--redis-url, REDIS_URL/ })
  t.match(results[1], { code: 0, stdout: /^Usage: socketgate loadtest URL[^]*--scenario[^]*echo .*socket\.on\('echo', \(data, ack\) => ack\(data\)\)[^]*--report/ })
  t.match(results[2], { code: 0, stdout: /^Usage: socketgate token --sub USER[^]*--ttl/ })
  t.match(results[3], { code: 0, stdout: /^Usage: socketgate hash-password[^]*single quotes/ })
})

t.test('a mistake exits 2 with one line naming it and where to look', async (t) => {
  const cases: Array<[string[], string]> = [
    [['lodtest'], 'socketgate: unknown command "lodtest"; expected one of serve, loadtest, token, hash-password (did you mean loadtest?)'],
    [['loadtest', 'http://127.0.0.1:1', '--clients', 'lots'], 'socketgate loadtest: --clients: "lots" is not valid; expected an integer from 1 to 1000000'],
    [['token'], 'socketgate token: --sub is required; expected a user id like alice'],
    [['token', '--sub', 'alice'], 'socketgate token: no key: set JWT_SECRET to the gateway\'s secret (or pass --secret), or --private-key FILE'],
    [['token', '--sub', 'alice', '--secret', 'short'], 'socketgate token: the secret is 5 characters; expected at least 32, as the gateway\'s JWT_SECRET'],
    [['hash-password', 'hunter2'], 'socketgate hash-password: the password is read from a prompt or stdin, not from arguments (they end up in shell history); e.g. socketgate hash-password < file'],
    [['serve', '--prot', '1'], 'socketgate: invalid configuration']
  ]
  const runs = await Promise.all(cases.map(([args]) => runCli(args, { env: { JWT_SECRET: '' } })))
  runs.forEach((run, i) => {
    const [args, first] = cases[i]!
    t.equal(run.code, 2, args.join(' '))
    t.equal(run.stderr.split('\n')[0], first)
    t.notMatch(run.stderr, /\n\s+at /, 'no stack trace')
  })
})

async function verified (t: Test, gw: TestGateway, token: string): Promise<{ author: string, joins: Record<string, string> }> {
  const client = await connectClient(t, gw, { auth: { token } })
  const message = nextEvent<[{ author: string }]>(client, 'message:new')
  await client.timeout(2000).emitWithAck('message:send', { content: 'hi' })
  const joins: Record<string, string> = {}
  for (const room of ['team-red', 'secret-room']) {
    const res = await client.timeout(2000).emitWithAck('room:join', room)
    joins[room] = res.ok ? 'ok' : res.error.code
  }
  return { author: (await message)[0].author, joins }
}

t.test('token mints a JWT the gateway in AUTH_MODE=jwt accepts: sub is the author, rooms limit the joins', async (t) => {
  const gw = await startGateway(t, { authMode: 'jwt', jwtSecret: SECRET, jwtIssuer: 'me', jwtAudience: 'chat' })
  // Key, issuer and audience from the same variables the gateway reads.
  const run = await runCli(['token', '--sub', 'alice', '--rooms', 'team-*,chat-general', '--ttl', '15m'], { env: { JWT_SECRET: SECRET, JWT_ISSUER: 'me', JWT_AUDIENCE: 'chat' } })
  t.equal(run.code, 0, run.stderr)
  const token = run.stdout.trim()
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the token alone on stdout')
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number, iat: number }
  t.equal(claims.exp - claims.iat, 900, '--ttl 15m')
  t.same(await verified(t, gw, token), { author: 'alice', joins: { 'team-red': 'ok', 'secret-room': 'SG_ROOM_FORBIDDEN' } })

  // Signed with another secret: refused by the gateway.
  const other = await mintToken({ sub: 'mallory', ttl: 60, secret: 'x'.repeat(32), issuer: 'me', audience: 'chat' })
  await t.rejects(connectClient(t, gw, { auth: { token: other.token } }), { message: /^Token refused: /, data: { code: 'SG_AUTH_INVALID' } })
})

t.test('token signs with a private key file: RS256 and ES256, verified by the gateway with the public key', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'socketgate-token-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const [type, options] of [['rsa', { modulusLength: 2048 }], ['ec', { namedCurve: 'P-256' }]] as const) {
    const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number })
    const file = join(dir, `${type}.pem`)
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const gw = await startGateway(t, { authMode: 'jwt', jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() })
    const minted = await mintToken({ sub: `bob-${type}`, ttl: 60, privateKeyFile: file })
    t.equal(minted.alg, type === 'rsa' ? 'RS256' : 'ES256')
    t.match(await verified(t, gw, minted.token), { author: `bob-${type}`, joins: { 'team-red': 'ok' } })
  }
})

t.test('hash-password reads stdin and prints a bcrypt hash the admin login accepts', async (t) => {
  const password = 'correct horse battery staple'
  const run = await runCli(['hash-password', '--cost', '4'], { input: `${password}\n` })
  t.equal(run.code, 0, run.stderr)
  const hash = run.stdout.trim()
  t.match(hash, /^\$2b\$04\$[./A-Za-z0-9]{53}$/, 'the hash alone on stdout')

  const gw = await startGateway(t, { adminPasswordHash: hash })
  const login = (pw: string): Promise<string> => new Promise((resolve) => {
    const admin = ioc(`${gw.url}/admin`, { auth: { username: 'admin', password: pw }, transports: ['websocket'], reconnection: false, forceNew: true })
    t.teardown(() => { admin.disconnect() })
    admin.once('config', () => resolve('logged in'))
    admin.once('connect_error', (err) => resolve(err.message))
  })
  t.equal(await login(password), 'logged in')
  t.equal(await login(`${password}!`), 'invalid credentials')

  const empty = await runCli(['hash-password'], { input: '\n' })
  t.match(empty, { code: 2, stderr: /^socketgate hash-password: empty password; expected at least one character/ })
})
