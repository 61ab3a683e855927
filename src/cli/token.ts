// `socketgate token`: mints a JWT the gateway accepts in AUTH_MODE=jwt, with the same key and
// claims it checks (JWT_SECRET or a private key matching JWT_PUBLIC_KEY, JWT_ISSUER,
// JWT_AUDIENCE), so trying JWT mode needs no other tool. Prints the token alone on stdout.
import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { SignJWT } from 'jose'
import { option, optionsHelp, parseArgs, UsageError } from './args.js'

/** Room patterns as the gateway's `rooms` claim takes them: names, `*` matching any run. */
const ROOM_PATTERN = /^[A-Za-z0-9_.:*-]{1,64}$/

export const tokenOptions = {
  sub: option.string('The user: becomes the author of their messages (the "sub" claim)', { required: true, expected: 'a user id like alice' }),
  rooms: option.list('Room patterns the user may join ("rooms" claim; * matches any run of characters); unset: any room',
    'a comma-separated list of room names or patterns like team-*,chat-general', ROOM_PATTERN),
  ttl: option.duration('How long the token is valid (the "exp" claim)', { default: 3600 }),
  secret: option.string('HS256 secret: the gateway\'s JWT_SECRET', { env: 'JWT_SECRET', expected: 'a string of at least 32 characters' }),
  'private-key': option.string('PEM private key file for RS256 (RSA) or ES256 (P-256 EC), whose public key the gateway has in JWT_PUBLIC_KEY',
    { env: 'JWT_PRIVATE_KEY_FILE', expected: 'a path to a PEM file' }),
  issuer: option.string('The "iss" claim; must equal the gateway\'s JWT_ISSUER when that is set', { env: 'JWT_ISSUER' }),
  audience: option.string('The "aud" claim; must equal the gateway\'s JWT_AUDIENCE when that is set', { env: 'JWT_AUDIENCE' })
}

export const TOKEN_HELP = `Usage: socketgate token --sub USER [--rooms 'team-*,chat-general'] [--ttl 1h]

Mints a JWT for AUTH_MODE=jwt and prints it on stdout, e.g.:
  TOKEN=$(JWT_SECRET=... socketgate token --sub alice --rooms 'team-*,chat-general')
The key is the gateway's JWT_SECRET (HS256) unless --private-key names a PEM file (RS256/ES256).

Options:
${optionsHelp(tokenOptions)}`

interface SigningKey { key: KeyObject, alg: 'HS256' | 'RS256' | 'ES256' }

async function signingKey (secret: string | undefined, keyFile: string | undefined): Promise<SigningKey> {
  if (secret !== undefined && keyFile !== undefined) {
    throw new UsageError('both a secret (--secret or JWT_SECRET) and --private-key are given; expected one of them')
  }
  if (keyFile !== undefined) {
    const pem = await readFile(keyFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`--private-key ${keyFile}: cannot read it (${err.code ?? err.message}); expected a PEM private key file`)
    })
    let key: KeyObject
    try {
      key = createPrivateKey(pem)
    } catch (err) {
      throw new UsageError(`--private-key ${keyFile}: not a PEM private key (${(err as Error).message})`)
    }
    if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' }
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' }
    throw new UsageError(`--private-key ${keyFile}: a ${key.asymmetricKeyType} key; expected RSA (RS256) or P-256 EC (ES256), as the gateway accepts`)
  }
  if (secret === undefined) {
    throw new UsageError('no key: set JWT_SECRET to the gateway\'s secret (or pass --secret), or --private-key FILE')
  }
  // The gateway refuses shorter secrets at start: a token signed with one would be useless.
  if (secret.length < 32) throw new UsageError(`the secret is ${secret.length} characters; expected at least 32, as the gateway's JWT_SECRET`)
  return { key: createSecretKey(Buffer.from(secret)), alg: 'HS256' }
}

export interface MintOptions {
  sub: string
  rooms?: string[] | undefined
  /** Seconds. */
  ttl: number
  secret?: string | undefined
  privateKeyFile?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
}

export async function mintToken (opts: MintOptions): Promise<{ token: string, expiresAt: Date, alg: string }> {
  const { key, alg } = await signingKey(opts.secret, opts.privateKeyFile)
  const now = Math.floor(Date.now() / 1000)
  const exp = now + Math.ceil(opts.ttl)
  let jwt = new SignJWT(opts.rooms ? { rooms: opts.rooms } : {})
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt(now)
    .setExpirationTime(exp)
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer)
  if (opts.audience) jwt = jwt.setAudience(opts.audience)
  return { token: await jwt.sign(key), expiresAt: new Date(exp * 1000), alg }
}

export async function token (argv: readonly string[]): Promise<void> {
  const { values, positionals, help } = parseArgs(argv, tokenOptions, process.env)
  if (help) {
    process.stdout.write(TOKEN_HELP + '\n')
    return
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; expected options only (--sub USER …)`)
  const minted = await mintToken({
    sub: values.sub,
    rooms: values.rooms,
    ttl: values.ttl,
    secret: values.secret,
    privateKeyFile: values['private-key'],
    issuer: values.issuer,
    audience: values.audience
  })
  process.stdout.write(minted.token + '\n')
  if (process.stderr.isTTY) {
    process.stderr.write(`(${minted.alg} token for "${values.sub}", valid until ${minted.expiresAt.toISOString()})\n`)
  }
}
