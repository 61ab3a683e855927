// Every coded error the gateway produces, HTTP and socket alike. docs/errors.md lists the same
// codes; test/errors.test.ts keeps the two equal.
import createError from '@fastify/error'

/** Thrown before anything listens; its message has one line per bad setting. */
export class ConfigError extends Error {
  readonly code = 'SG_CONFIG_INVALID'
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

// HTTP API errors (bodies: { ok: false, error: { code, message } }).
export const BadRequest = createError('SG_BAD_REQUEST', '%s', 400)
export const Unauthorized = createError('SG_UNAUTHORIZED',
  'Missing or wrong API key; expected the header "Authorization: Bearer <PUBLISH_API_KEY>"', 401)
export const ApiDisabled = createError('SG_API_DISABLED',
  'The HTTP API is off on this gateway; set PUBLISH_API_KEY to turn it on', 404)
export const NotFound = createError('SG_NOT_FOUND', 'Route %s %s does not exist', 404)
export const UnknownNamespace = createError('SG_UNKNOWN_NAMESPACE',
  'Namespace %s is not served; expected one of %s', 404)
export const Unavailable = createError('SG_UNAVAILABLE', '%s', 503)
export const Internal = createError('SG_INTERNAL', 'Internal server error', 500)
/** A browser page from an origin CORS_ORIGINS does not allow opened (or polled, or upgraded) a connection. */
export const OriginForbidden = createError('SG_ORIGIN_FORBIDDEN', '%s', 403)
/** Too many scrapes of /metrics wait for the next render (METRICS_SCRAPE_QUEUE_MAX). */
export const MetricsBusy = createError('SG_METRICS_BUSY',
  'Too many scrapes of /metrics are waiting for the next render; retry after a second (METRICS_SCRAPE_QUEUE_MAX)', 429)
/** Publish API `data` nested deeper than PUBLISH_DATA_MAX_DEPTH. */
export const PayloadTooDeep = createError('SG_PAYLOAD_TOO_DEEP', '%s', 400)
/** Publish API `data` larger than PUBLISH_DATA_MAX_BYTES as JSON. */
export const PayloadTooLarge = createError('SG_PAYLOAD_TOO_LARGE', '%s', 400)

/**
 * Codes carried by socket acks (`{ ok: false, error: { code, message } }`) and by
 * `connect_error` (`err.data.code`). Values are part of the public protocol.
 */
export const SocketErrorCode = {
  /** connect_error: AUTH_MODE=jwt and no `auth.token` in the handshake. */
  AuthRequired: 'SG_AUTH_REQUIRED',
  /** connect_error: the token's signature, algorithm, issuer, audience or format is wrong. */
  AuthInvalid: 'SG_AUTH_INVALID',
  /** connect_error, or `auth:expired` before the server disconnects: the token's `exp` passed. */
  TokenExpired: 'SG_TOKEN_EXPIRED',
  /** connect_error: the gateway is draining; connect to another node. */
  Draining: 'SG_DRAINING',
  /** ack: the payload has the wrong shape; the message says which field and what was expected. */
  InvalidPayload: 'SG_INVALID_PAYLOAD',
  /** ack: the room name is not allowed (format or reserved). */
  InvalidRoom: 'SG_INVALID_ROOM',
  /** ack: the token's `rooms` claim does not allow this room. */
  RoomForbidden: 'SG_ROOM_FORBIDDEN',
  /** ack: sending to a room the socket has not joined. */
  NotInRoom: 'SG_NOT_IN_ROOM',
  /** ack: the socket is in MAX_ROOMS_PER_SOCKET rooms already. */
  TooManyRooms: 'SG_TOO_MANY_ROOMS',
  /** ack: the socket sent more events than EVENT_RATE/EVENT_BURST (or EVENT_RATE_LIMITS) allow; the message says when to retry. */
  RateLimited: 'SG_RATE_LIMITED',
  /** connect_error: the CONNECT's `auth` payload is larger than AUTH_MAX_BYTES. */
  AuthTooLarge: 'SG_AUTH_TOO_LARGE',
  /** ack (`retryable: true`): the cluster cannot take the broadcast now (Redis down or not answering); retry. The HTTP API's 503 has the same code. */
  Unavailable: 'SG_UNAVAILABLE',
  /** connect_error on /admin: wrong user name or password (message "invalid credentials", which the UI shows as such). */
  AdminLoginRefused: 'SG_ADMIN_LOGIN_REFUSED',
  /** connect_error on /admin: too many wrong logins from this address, or too many checks at once; the message says when to retry. */
  AdminLoginThrottled: 'SG_ADMIN_LOGIN_THROTTLED',
  /** ack on /admin: the operator's previous search is still running, or a search failed on the server. */
  AdminBusy: 'SG_ADMIN_BUSY'
} as const
export type SocketErrorCode = typeof SocketErrorCode[keyof typeof SocketErrorCode]

/** Every code above, HTTP and socket; what docs/errors.md must list. */
export const ALL_ERROR_CODES: readonly string[] = [...new Set([
  'SG_CONFIG_INVALID',
  ...[BadRequest, Unauthorized, ApiDisabled, NotFound, UnknownNamespace, Unavailable, Internal, PayloadTooDeep, PayloadTooLarge, OriginForbidden, MetricsBusy].map((E) => new E().code),
  ...Object.values(SocketErrorCode)
])]

/** An Error whose `data` reaches the client in `connect_error` (Socket.IO sends `err.data`). */
export class HandshakeError extends Error {
  readonly data: { code: SocketErrorCode }
  constructor (code: SocketErrorCode, message: string) {
    super(message)
    this.data = { code }
  }
}
