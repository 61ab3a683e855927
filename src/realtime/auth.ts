// Handshake authentication. A strategy turns the handshake into `socket.data.user` or refuses it
// with a HandshakeError, whose `data.code` the client receives in `connect_error`.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import type { Config } from '../config.js'
import { ConfigError, HandshakeError, SocketErrorCode } from '../errors.js'
import type { SocketData } from './events.js'

export interface Handshake {
  auth: Record<string, unknown>
  /** Engine.io session id, used to name guests. */
  id: string
}

/** Pluggable: `createGateway({ authenticate })` replaces the built-in strategy. */
export type Authenticate = (handshake: Handshake) => Promise<SocketData['user']>

const NAME = /^[\p{L}\p{N} _.-]{1,32}$/u

/** AUTH_MODE=none: anyone connects; `auth.name` (if sensible) becomes the author. */
export const noAuth: Authenticate = async ({ auth, id }) => {
  const name = typeof auth.name === 'string' ? auth.name.trim() : ''
  return { id: NAME.test(name) ? name : `guest-${id.slice(0, 6)}` }
}

interface JwtKey { key: KeyObject, algorithms: string[] }

/** Reads the configured key once, at start-up; a key that cannot be used stops the start. */
function jwtKey (config: Config): JwtKey {
  if (config.jwtSecret) return { key: createSecretKey(Buffer.from(config.jwtSecret)), algorithms: ['HS256'] }
  let key: KeyObject
  try {
    // Env files and CI secrets often carry the PEM on one line with literal "\n"s.
    key = createPublicKey(config.jwtPublicKey!.replaceAll('\\n', '\n'))
  } catch (err) {
    throw new ConfigError(`JWT_PUBLIC_KEY: (hidden) is not valid; expected a PEM public key (${(err as Error).message})`)
  }
  if (key.asymmetricKeyType === 'rsa') {
    // jose refuses shorter keys at verify time: every token would fail while the gateway looks healthy.
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < 2048) throw new ConfigError(`JWT_PUBLIC_KEY: a ${bits}-bit RSA key is too short; expected at least 2048 bits for RS256`)
    return { key, algorithms: ['RS256'] }
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { key, algorithms: ['ES256'] }
  }
  const curve = key.asymmetricKeyDetails?.namedCurve
  throw new ConfigError(`JWT_PUBLIC_KEY: key type ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''} is not supported; expected an RSA key (RS256) or a P-256 EC key (ES256)`)
}

function roomsClaim (payload: JWTPayload): string[] | undefined {
  const rooms = payload.rooms
  if (rooms === undefined) return undefined
  if (!Array.isArray(rooms) || !rooms.every((r) => typeof r === 'string')) {
    throw new HandshakeError(SocketErrorCode.AuthInvalid, 'Token claim "rooms" must be an array of room patterns (strings)')
  }
  return rooms
}

/** AUTH_MODE=jwt: `auth.token` must verify; `sub` is the user, `rooms` the allowed patterns. */
export function jwtAuth (config: Config): Authenticate {
  const { key, algorithms } = jwtKey(config)
  const options = {
    algorithms,
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {})
  }
  return async ({ auth }) => {
    const token = auth.token
    if (typeof token !== 'string' || token === '') {
      throw new HandshakeError(SocketErrorCode.AuthRequired, 'Authentication required: pass a JWT as auth.token')
    }
    let payload: JWTPayload
    try {
      ({ payload } = await jwtVerify(token, key, options))
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw new HandshakeError(SocketErrorCode.TokenExpired, 'Token expired: get a new token and reconnect')
      }
      throw new HandshakeError(SocketErrorCode.AuthInvalid, `Token refused: ${(err as Error).message}`)
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new HandshakeError(SocketErrorCode.AuthInvalid, 'Token refused: the "sub" claim (user id) is missing')
    }
    // A token without exp is valid until the key changes: one leaked token is a login for ever.
    if (config.jwtRequireExp && payload.exp === undefined) {
      throw new HandshakeError(SocketErrorCode.AuthInvalid, 'Token refused: it has no "exp" claim (expiry), which this gateway requires (JWT_REQUIRE_EXP)')
    }
    const rooms = roomsClaim(payload)
    return { id: payload.sub, ...(rooms ? { rooms } : {}), ...(payload.exp !== undefined ? { exp: payload.exp } : {}) }
  }
}

/**
 * Whether a session's token expired while its client was away. Recovery skips the auth
 * middleware and replays what the session missed: such a session must not be recovered, or the
 * client would get what was sent after the expiry. Refused, the client goes through the
 * handshake again, where its token is checked (src/recovery/resume.ts asks this).
 */
export function sessionExpired (session: { data?: unknown }): boolean {
  const exp = (session.data as Partial<SocketData> | undefined)?.user?.exp
  return exp !== undefined && exp * 1000 <= Date.now()
}

export function authenticator (config: Config): Authenticate {
  return config.authMode === 'jwt' ? jwtAuth(config) : noAuth
}
