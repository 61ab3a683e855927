import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import t, { type Test } from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../src/testing.js'
import type { ChatMessage, GatewayOptions } from '../src/index.js'
import type { ClientOptions, GatewayClient } from '../src/client.js'
import { roomAllowed } from '../src/realtime/rooms.js'

const SECRET = 'a-test-secret-of-at-least-32-characters!'
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'socketgate'

interface Signer { alg: 'HS256' | 'RS256' | 'ES256', key: KeyObject | Uint8Array, gateway: GatewayOptions }

function signers (secret = SECRET): Signer[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString()
  return [
    { alg: 'HS256', key: new TextEncoder().encode(secret), gateway: { authMode: 'jwt', jwtSecret: secret } },
    { alg: 'RS256', key: rsa.privateKey, gateway: { authMode: 'jwt', jwtPublicKey: pem(rsa.publicKey) } },
    { alg: 'ES256', key: ec.privateKey, gateway: { authMode: 'jwt', jwtPublicKey: pem(ec.publicKey) } }
  ]
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

async function sign (s: Pick<Signer, 'alg' | 'key'>, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', exp: nowSeconds() + 3600, ...claims }).setProtectedHeader({ alg: s.alg }).sign(s.key)
}

/** The connect_error a client gets, or a failure when it connects. */
async function refusal (t: Test, gw: TestGateway, opts: ClientOptions = {}): Promise<Error & { data?: { code?: string } }> {
  try {
    await connectClient(t, gw, opts)
  } catch (err) {
    return err as Error & { data?: { code?: string } }
  }
  throw new Error('the client connected; expected a connect_error')
}

/** Sends a message to the default room and returns what another member of it received. */
async function authorSeenBy (observer: GatewayClient, sender: GatewayClient): Promise<string> {
  const got = nextEvent<[ChatMessage]>(observer, 'message:new')
  const ack = await sender.timeout(2000).emitWithAck('message:send', { content: 'hi' })
  if (!ack.ok) throw new Error(ack.error.message)
  return (await got)[0].author
}

for (const signer of signers()) {
  t.test(`AUTH_MODE=jwt with ${signer.alg}`, async (t) => {
    const gw = await startGateway(t, signer.gateway)

    t.test('a valid token connects and its sub becomes the author', async (t) => {
      const alice = await connectClient(t, gw, { auth: { token: await sign(signer) } })
      t.equal(await authorSeenBy(alice, alice), 'alice')
    })

    t.test('a token signed with another key is refused as invalid', async (t) => {
      const other = signers('another-secret-of-at-least-32-characters').find((s) => s.alg === signer.alg)!
      const err = await refusal(t, gw, { auth: { token: await sign(other) } })
      t.equal(err.data?.code, 'SG_AUTH_INVALID')
      t.equal(err.message, 'Token refused: signature verification failed')
    })

    t.test('an expired token is refused as expired', async (t) => {
      const err = await refusal(t, gw, { auth: { token: await sign(signer, { exp: nowSeconds() - 60 }) } })
      t.equal(err.data?.code, 'SG_TOKEN_EXPIRED')
      t.equal(err.message, 'Token expired: get a new token and reconnect')
    })
  })
}

t.test('AUTH_MODE=jwt refusals', async (t) => {
  const rs = signers().find((s) => s.alg === 'RS256')!
  const gw = await startGateway(t, { ...rs.gateway, jwtIssuer: ISSUER, jwtAudience: AUDIENCE })
  const good = { iss: ISSUER, aud: AUDIENCE }

  t.test('a handshake without a token is refused with SG_AUTH_REQUIRED', async (t) => {
    for (const auth of [{}, { token: '' }, { token: 42 }]) {
      const err = await refusal(t, gw, { auth })
      t.equal(err.data?.code, 'SG_AUTH_REQUIRED')
      t.equal(err.message, 'Authentication required: pass a JWT as auth.token')
    }
  })

  t.test('a token with an issuer and audience as configured connects', async (t) => {
    const c = await connectClient(t, gw, { auth: { token: await sign(rs, good) } })
    t.equal(c.connected, true)
  })

  t.test('an HS256 token keyed with the RS256 public key is refused: the algorithm is pinned', async (t) => {
    const publicPem = new TextEncoder().encode(rs.gateway.jwtPublicKey!)
    const err = await refusal(t, gw, { auth: { token: await sign({ alg: 'HS256', key: publicPem }, good) } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.equal(err.message, 'Token refused: "alg" (Algorithm) Header Parameter value not allowed')
  })

  t.test('a token from another issuer is refused', async (t) => {
    const err = await refusal(t, gw, { auth: { token: await sign(rs, { ...good, iss: 'https://evil.example' }) } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.equal(err.message, 'Token refused: unexpected "iss" claim value')
  })

  t.test('a token for another audience is refused', async (t) => {
    const err = await refusal(t, gw, { auth: { token: await sign(rs, { ...good, aud: 'billing' }) } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.equal(err.message, 'Token refused: unexpected "aud" claim value')
  })

  t.test('a token that is not a JWT is refused', async (t) => {
    const err = await refusal(t, gw, { auth: { token: 'not.a.jwt' } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.match(err.message, /^Token refused: /)
  })

  t.test('a token without sub is refused', async (t) => {
    const err = await refusal(t, gw, { auth: { token: await sign(rs, { ...good, sub: undefined }) } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.equal(err.message, 'Token refused: the "sub" claim (user id) is missing')
  })

  t.test('a rooms claim that is not a list of strings is refused', async (t) => {
    const err = await refusal(t, gw, { auth: { token: await sign(rs, { ...good, rooms: 'team-*' }) } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID')
    t.equal(err.message, 'Token claim "rooms" must be an array of room patterns (strings)')
  })
})

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, a socket whose token expires hears auth:expired, then the server disconnects it`, async (t) => {
    const hs = signers()[0]!
    const gw = await startGateway(t, hs.gateway)
    // exp has second precision: this token expires between 1 and 2 seconds from now.
    const client = await connectClient(t, gw, { transports: [transport], auth: { token: await sign(hs, { exp: nowSeconds() + 2 }) } })
    const disconnected = nextEvent<[string]>(client, 'disconnect', 5000)
    const [info] = await nextEvent<[{ code: string, message: string }]>(client, 'auth:expired', 5000)
    t.same(info, { code: 'SG_TOKEN_EXPIRED', message: 'Token expired: get a new token and reconnect' })
    const [reason] = await disconnected
    t.equal(reason, 'io server disconnect')
  })
}

t.test('an expiring token ends only its own namespace, not the others sharing the connection', async (t) => {
  const hs = signers()[0]!
  const gw = await startGateway(t, { ...hs.gateway, namespaces: ['/chat'] })
  const lasting = await connectClient(t, gw, { auth: { token: await sign(hs) } })
  const expiring = lasting.io.socket('/chat', { auth: { token: await sign(hs, { exp: nowSeconds() + 2 }) } })
  t.teardown(() => { expiring.disconnect() })
  await nextEvent(expiring as GatewayClient, 'connect')
  const [reason] = await nextEvent<[string]>(expiring as GatewayClient, 'disconnect', 5000)
  t.equal(reason, 'io server disconnect')
  t.equal(lasting.connected, true)
  t.equal(await authorSeenBy(lasting, lasting), 'alice')
})

t.test('a rooms claim decides which rooms a socket may join', async (t) => {
  const hs = signers()[0]!
  const gw = await startGateway(t, hs.gateway)
  const teamOnly = await connectClient(t, gw, { auth: { token: await sign(hs, { rooms: ['team-*'] }) } })

  t.test('a room matching a pattern is joined', async (t) => {
    t.same(await teamOnly.timeout(2000).emitWithAck('room:join', 'team-red'), { ok: true })
    const ack = await teamOnly.timeout(2000).emitWithAck('message:send', { content: 'x', room: 'team-red' })
    t.equal(ack.ok, true)
  })

  t.test('a room outside the patterns is refused with SG_ROOM_FORBIDDEN', async (t) => {
    t.same(await teamOnly.timeout(2000).emitWithAck('room:join', 'ops'), {
      ok: false,
      error: { code: 'SG_ROOM_FORBIDDEN', message: 'room "ops" is not allowed by your token\'s rooms claim' }
    })
    // A pattern is anchored: the prefix must match from the start.
    const ack = await teamOnly.timeout(2000).emitWithAck('room:join', 'x-team-red')
    t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_ROOM_FORBIDDEN')
  })

  t.test('the default room is not joined when the claim excludes it', async (t) => {
    const everyone = await connectClient(t, gw, { auth: { token: await sign(hs, { sub: 'bob' }) } })
    let leaked = false
    teamOnly.on('message:new', (m) => { if (m.room === 'chat-general') leaked = true })
    t.equal(await authorSeenBy(everyone, everyone), 'bob')
    t.same(await teamOnly.timeout(2000).emitWithAck('message:send', { content: 'hi' }), {
      ok: false,
      error: { code: 'SG_NOT_IN_ROOM', message: 'you have not joined room "chat-general"; send room:join first' }
    })
    t.equal(leaked, false, 'no default-room message reached the team-only socket')
  })

  t.test('a claim that includes the default room joins it on connection', async (t) => {
    const c = await connectClient(t, gw, { auth: { token: await sign(hs, { sub: 'carol', rooms: ['chat-*'] }) } })
    t.equal(await authorSeenBy(c, c), 'carol')
  })
})

t.test('a failing custom authenticate strategy refuses that client and the gateway keeps serving others', async (t) => {
  const failures: Record<string, () => unknown> = {
    rejects: () => Promise.reject(new Error('directory is down')),
    throws: () => { throw new Error('bug in strategy') },
    'resolves without a user': () => Promise.resolve(undefined),
    'returns a non-promise': () => ({ id: 42 })
  }
  const gw = await startGateway(t, {
    authenticate: async ({ auth }) => {
      const fail = failures[String(auth.fail)]
      return fail ? fail() as never : { id: String(auth.name) }
    }
  })
  const dave = await connectClient(t, gw, { auth: { name: 'dave' } })
  for (const name of Object.keys(failures)) {
    const err = await refusal(t, gw, { auth: { fail: name } })
    t.equal(err.data?.code, 'SG_AUTH_INVALID', `${name}: coded refusal`)
    t.equal(err.message, 'Authentication failed', `${name}: message hides the internals`)
  }
  t.equal(await authorSeenBy(dave, dave), 'dave')
  const erin = await connectClient(t, gw, { auth: { name: 'erin' } })
  t.equal(await authorSeenBy(dave, erin), 'erin')
})

t.test('a custom strategy that throws synchronously does not crash the gateway', async (t) => {
  const gw = await startGateway(t, {
    authenticate: ((handshake: { auth: Record<string, unknown> }) => {
      if (handshake.auth.boom) throw new Error('sync throw')
      return Promise.resolve({ id: 'ok' })
    }) as GatewayOptions['authenticate']
  })
  const err = await refusal(t, gw, { auth: { boom: true } })
  t.equal(err.data?.code, 'SG_AUTH_INVALID')
  const c = await connectClient(t, gw)
  t.equal(await authorSeenBy(c, c), 'ok')
})

t.test('AUTH_MODE=none: auth.name becomes the author, otherwise a guest name', async (t) => {
  const gw = await startGateway(t)
  const named = await connectClient(t, gw, { auth: { name: '  Zoë  ' } })
  t.equal(await authorSeenBy(named, named), 'Zoë')
  const anonymous = await connectClient(t, gw)
  t.match(await authorSeenBy(named, anonymous), /^guest-[A-Za-z0-9_-]{6}$/)
  const markup = await connectClient(t, gw, { auth: { name: '<img src=x>' } })
  t.match(await authorSeenBy(named, markup), /^guest-[A-Za-z0-9_-]{6}$/, 'a name with markup is not used')
  const long = await connectClient(t, gw, { auth: { name: 'n'.repeat(33) } })
  t.match(await authorSeenBy(named, long), /^guest-/, 'a name over 32 characters is not used')
})

t.test('room patterns: * matches any run of characters, everything else is literal and anchored', async (t) => {
  t.ok(roomAllowed(undefined, 'anything'), 'no claim: every room')
  t.notOk(roomAllowed([], 'anything'), 'an empty claim: no room')
  const cases: Array<[string, string, boolean]> = [
    ['team-*', 'team-red', true], ['team-*', 'team-', true], ['team-*', 'x-team-red', false],
    ['*-red', 'team-red', true], ['*', 'x', true], ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXbY', false],
    ['chat.general', 'chat.general', true], ['chat.general', 'chatXgeneral', false], ['a**b', 'ab', true],
    ['room', 'room2', false], ['*room', 'my-room', true], ['r*m', 'rm', true]
  ]
  for (const [pattern, room, allowed] of cases) t.equal(roomAllowed([pattern], room), allowed, `${pattern} vs ${room}`)
  // Same answers as the obvious RegExp translation, on generated cases.
  let seed = 7
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
  const pick = (alphabet: string, len: number) => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('')
  for (let i = 0; i < 2000; i++) {
    const pattern = pick('ab*.', 1 + rand(6))
    const room = pick('ab.', rand(8))
    const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.]/g, '\\.')).join('.*') + '$')
    if (roomAllowed([pattern], room) !== re.test(room)) t.fail(`${pattern} vs ${room}`)
  }
})

t.test('a rooms claim with many wildcards does not stall the gateway on a long room name', async (t) => {
  const hs = signers()[0]!
  const gw = await startGateway(t, hs.gateway)
  const c = await connectClient(t, gw, { auth: { token: await sign(hs, { rooms: ['a*a*a*a*a*a*a*a*a*a*a*a*b'] }) } })
  const other = await connectClient(t, gw, { auth: { token: await sign(hs, { sub: 'bob' }) } })
  const ack = await c.timeout(2000).emitWithAck('room:join', 'a'.repeat(64))
  t.equal(ack.ok ? 'ok' : ack.error.code, 'SG_ROOM_FORBIDDEN')
  t.equal(await authorSeenBy(other, other), 'bob')
})

t.test('JWT_REQUIRE_EXP refuses a token without exp; without it such a token connects', async (t) => {
  const hs = { alg: 'HS256' as const, key: new TextEncoder().encode(SECRET) }
  const forever = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).sign(hs.key)
  const strict = await startGateway(t, { authMode: 'jwt', jwtSecret: SECRET, jwtRequireExp: true })
  const err = await refusal(t, strict, { auth: { token: forever } })
  t.equal(err.data?.code, 'SG_AUTH_INVALID')
  t.equal(err.message, 'Token refused: it has no "exp" claim (expiry), which this gateway requires (JWT_REQUIRE_EXP)')
  const withExp = await connectClient(t, strict, { auth: { token: await sign(hs) } })
  t.ok(withExp.connected, 'a token with exp still connects')

  const lenient = await startGateway(t, { authMode: 'jwt', jwtSecret: SECRET })
  const old = await connectClient(t, lenient, { auth: { token: forever } })
  t.ok(old.connected, 'JWT_REQUIRE_EXP defaults to false')
})
