// One schema holds every setting: its type, default, env name, CLI flag and the sentence shown
// when a value is wrong. Env, CLI and the library API all go through `resolveConfig`, so a
// setting cannot be valid in one and refused in another.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from './errors.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const TRANSPORT_NAMES = ['polling', 'websocket'] as const

/** Extra keys each setting carries next to its JSON schema. */
interface Meta {
  /** Environment variable; the CLI flag is derived from it (`CORS_ORIGINS` → `--cors-origins`). */
  env: string
  /** What a valid value looks like, in words, for error messages and `--help`. */
  expected: string
  description: string
  /** Never echo the value back (error messages, `--help`). */
  secret?: boolean
}

const setting = <T extends TSchema>(schema: T, meta: Meta): T => Object.assign(schema, meta)
const port = (def: number) => Type.Integer({ minimum: 0, maximum: 65535, default: def })
const ms = (def: number, min = 1) => Type.Integer({ minimum: min, maximum: 2 ** 31 - 1, default: def })
const flag = (def: boolean) => Type.Boolean({ default: def })
const BUCKETS = '^\\s*\\d+(\\.\\d+)?(\\s*,\\s*\\d+(\\.\\d+)?)*\\s*$'
const BUCKETS_EXPECTED = 'a comma-separated list of ascending positive numbers like 0.001,0.01,0.1,1'

/** Histogram bounds from a METRICS_*_BUCKETS value (already matched against BUCKETS). */
export const parseBuckets = (list: string): number[] => list.split(',').map(Number)
/** `name=rate/burst` pairs; the name as Socket.IO events are named (no `,` `=` or spaces). */
const EVENT_LIMITS = '^(\\s*[^,=\\s]{1,100}=\\d+/\\d+\\s*(,\\s*[^,=\\s]{1,100}=\\d+/\\d+\\s*)*)?$'
/** EVENT_RATE_LIMITS (already matched against EVENT_LIMITS) as event name → rate and burst. */
export function parseEventLimits (list: string): Map<string, { rate: number, burst: number }> {
  const limits = new Map<string, { rate: number, burst: number }>()
  for (const pair of list.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = pair.lastIndexOf('=')
    const [rate, burst] = pair.slice(eq + 1).split('/').map(Number) as [number, number]
    limits.set(pair.slice(0, eq), { rate, burst })
  }
  return limits
}
/** `$2a$`/`$2b$`/`$2y$`, cost 04-31, 22 characters of salt and 31 of hash (bcryptjs and htpasswd -B both make these). */
const BCRYPT_HASH = '^\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}$'

export const ConfigSchema = Type.Object({
  port: setting(port(3000), {
    env: 'PORT', expected: 'an integer from 0 to 65535', description: 'TCP port of the gateway (0 picks a free one)'
  }),
  // Checked here: a typo would otherwise surface as an ENOTFOUND stack trace from listen().
  host: setting(Type.String({ pattern: '^[A-Za-z0-9_.:%-]{1,253}$', default: '0.0.0.0' }), {
    env: 'HOST', expected: 'a host name or IP address', description: 'Address to listen on'
  }),
  logLevel: setting(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' }), {
    env: 'LOG_LEVEL', expected: `one of ${LOG_LEVELS.join(', ')}`, description: 'pino log level'
  }),
  logFormat: setting(Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], { default: 'auto' }), {
    env: 'LOG_FORMAT',
    expected: 'auto, pretty or json',
    description: 'Log lines: json (one object per line, for machines) or pretty (short, for people); auto: pretty when stdout is a terminal'
  }),
  corsOrigins: setting(Type.Array(Type.String({ pattern: '^(\\*|https?://[^/\\s]+)$' }), { default: [] }), {
    env: 'CORS_ORIGINS',
    expected: 'a comma-separated list of origins like https://app.example.com, or *',
    description: 'Origins allowed to connect from a browser (empty: same origin only)'
  }),
  transports: setting(Type.Array(Type.Union(TRANSPORT_NAMES.map((t) => Type.Literal(t))), {
    minItems: 1, uniqueItems: true, default: ['polling', 'websocket']
  }), {
    env: 'TRANSPORTS',
    expected: 'a comma-separated list of polling, websocket',
    description: 'Transports clients may use; with both, clients start on polling and upgrade'
  }),
  pingIntervalMs: setting(ms(25_000), {
    env: 'PING_INTERVAL_MS', expected: 'a positive integer (milliseconds)', description: 'Heartbeat interval'
  }),
  pingTimeoutMs: setting(ms(20_000), {
    env: 'PING_TIMEOUT_MS',
    expected: 'a positive integer (milliseconds)',
    description: 'How long a client may take to answer a heartbeat before it is dropped'
  }),
  connectTimeoutMs: setting(ms(45_000), {
    env: 'CONNECT_TIMEOUT_MS',
    expected: 'a positive integer (milliseconds)',
    description: 'How long a client may take to join a namespace after its handshake'
  }),
  maxHttpBufferSize: setting(Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 1_000_000 }), {
    env: 'MAX_HTTP_BUFFER_SIZE',
    expected: 'an integer from 1024 to 104857600 (bytes)',
    description: 'Largest packet a client may send; a larger one closes that client\'s connection'
  }),
  connectionRecovery: setting(Type.Union([Type.Literal('auto'), Type.Boolean()], { default: 'auto' }), {
    env: 'CONNECTION_RECOVERY',
    expected: 'auto, true or false',
    description: 'Socket.IO connection state recovery: auto (for clients that ask with auth.recovery, the others get the plain protocol), true (every client: an offset argument on ack-less events) or false (see docs/delivery.md)'
  }),
  connectionRecoveryMaxMs: setting(ms(120_000), {
    env: 'CONNECTION_RECOVERY_MAX_MS',
    expected: 'a positive integer (milliseconds)',
    description: 'How long a dropped session stays recoverable'
  }),
  namespaces: setting(Type.Array(Type.String({ pattern: '^/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$' }), {
    uniqueItems: true, default: []
  }), {
    env: 'NAMESPACES',
    expected: 'a comma-separated list of namespace names like /chat,/support',
    description: 'Namespaces served besides the default "/"; all speak the chat protocol'
  }),
  defaultRoom: setting(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'chat-general' }), {
    env: 'DEFAULT_ROOM', expected: 'a room name (letters, digits, _ . : -, at most 64)', description: 'Room every socket joins on connection'
  }),
  messageMaxLength: setting(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2000 }), {
    env: 'MESSAGE_MAX_LENGTH', expected: 'an integer from 1 to 1000000 (characters)', description: 'Longest chat message content'
  }),
  maxRoomsPerSocket: setting(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }), {
    env: 'MAX_ROOMS_PER_SOCKET',
    expected: 'an integer from 1 to 100000',
    description: 'Rooms one socket may be in at once (besides its private room), so one client cannot grow server memory without bound'
  }),
  authMode: setting(Type.Union([Type.Literal('none'), Type.Literal('jwt')], { default: 'none' }), {
    env: 'AUTH_MODE', expected: 'none or jwt', description: 'How sockets authenticate'
  }),
  jwtSecret: setting(Type.Optional(Type.String({ minLength: 32 })), {
    env: 'JWT_SECRET', expected: 'a string of at least 32 characters', description: 'HS256 secret (AUTH_MODE=jwt)', secret: true
  }),
  jwtPublicKey: setting(Type.Optional(Type.String({ pattern: '-----BEGIN PUBLIC KEY-----' })), {
    env: 'JWT_PUBLIC_KEY',
    expected: 'a PEM public key (-----BEGIN PUBLIC KEY-----), RSA for RS256 or P-256 EC for ES256',
    description: 'RS256/ES256 public key (AUTH_MODE=jwt)',
    // Not secret itself, but the likely mistake is pasting the private key here: never echo it.
    secret: true
  }),
  jwtIssuer: setting(Type.Optional(Type.String({ minLength: 1 })), {
    env: 'JWT_ISSUER', expected: 'a string', description: 'Required `iss` claim, when set'
  }),
  jwtAudience: setting(Type.Optional(Type.String({ minLength: 1 })), {
    env: 'JWT_AUDIENCE', expected: 'a string', description: 'Required `aud` claim, when set'
  }),
  jwtRequireExp: setting(flag(false), {
    env: 'JWT_REQUIRE_EXP',
    expected: 'true or false',
    description: 'AUTH_MODE=jwt: refuse tokens without an `exp` claim (SG_AUTH_INVALID), so no token is valid forever; on in production (docs/security.md, "Tokens")'
  }),
  publishApiKey: setting(Type.Optional(Type.String({ minLength: 16 })), {
    env: 'PUBLISH_API_KEY',
    expected: 'a string of at least 16 characters',
    description: 'Bearer key for /api/v1/* (unset: the HTTP API is off)',
    secret: true
  }),
  publishDataMaxDepth: setting(Type.Integer({ minimum: 1, maximum: 1000, default: 32 }), {
    env: 'PUBLISH_DATA_MAX_DEPTH',
    expected: 'an integer from 1 to 1000 (levels)',
    description: 'Deepest nesting of arrays and objects in a publish API `data`; deeper data is refused with 400 SG_PAYLOAD_TOO_DEEP (deep data would overflow the stack while it is broadcast)'
  }),
  publishDataMaxBytes: setting(Type.Integer({ minimum: 16, maximum: 100 * 1024 * 1024, default: 262_144 }), {
    env: 'PUBLISH_DATA_MAX_BYTES',
    expected: 'an integer from 16 to 104857600 (bytes)',
    description: 'Largest publish API `data`, as JSON; larger data is refused with 400 SG_PAYLOAD_TOO_LARGE (the whole body is bounded by MAX_HTTP_BUFFER_SIZE too)'
  }),
  drainWindowMs: setting(ms(10_000, 0), {
    env: 'DRAIN_WINDOW_MS',
    expected: 'a non-negative integer (milliseconds)',
    description: 'On SIGTERM, clients are told to reconnect spread evenly over this window'
  }),
  drainAckTimeoutMs: setting(ms(5000, 0), {
    env: 'DRAIN_ACK_TIMEOUT_MS',
    expected: 'a non-negative integer (milliseconds)',
    description: 'During a drain, how long a connection\'s turn waits for the acks its client is owed before it is closed anyway'
  }),
  shutdownTimeoutMs: setting(ms(30_000), {
    env: 'SHUTDOWN_TIMEOUT_MS',
    expected: 'a positive integer (milliseconds)',
    description: 'Hard deadline from SIGTERM to process exit'
  }),
  trustProxy: setting(flag(false), {
    env: 'TRUST_PROXY',
    expected: 'true or false',
    description: 'Trust X-Forwarded-* headers from a load balancer that sets them (not appends): a client\'s address in HTTP and admin UI logs is then X-Forwarded-For\'s first entry (false: the TCP peer\'s; the header is ignored)'
  }),
  demoPage: setting(flag(true), {
    env: 'DEMO_PAGE', expected: 'true or false', description: 'Serve the demo chat page at /'
  }),
  // Prometheus metrics (docs/metrics.md).
  metricsEnabled: setting(flag(true), {
    env: 'METRICS_ENABLED', expected: 'true or false', description: 'Serve Prometheus metrics at GET /metrics'
  }),
  metricsPort: setting(Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })), {
    env: 'METRICS_PORT',
    expected: 'an integer from 0 to 65535',
    description: 'Serve /metrics on this port instead of the main one, so it need not be public (0 picks a free one)'
  }),
  metricsRenderIntervalMs: setting(ms(100, 0), {
    env: 'METRICS_RENDER_INTERVAL_MS',
    expected: 'a non-negative integer (milliseconds)',
    description: 'Least time between two renders of /metrics: scrapes arriving meanwhile wait for the next render and share it (never an older one), so a scrape flood costs at most one render per interval'
  }),
  metricsScrapeQueueMax: setting(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }), {
    env: 'METRICS_SCRAPE_QUEUE_MAX',
    expected: 'an integer from 1 to 100000 (scrapes)',
    description: 'Scrapes of /metrics that may wait for the next render; more are refused with 429 and counted (limits_exceeded_total{limit="metrics_scrape"})'
  }),
  metricsPrefix: setting(Type.String({ pattern: '^([A-Za-z_][A-Za-z0-9_]*)?$', default: 'socketgate_' }), {
    env: 'METRICS_PREFIX', expected: 'letters, digits and _, not starting with a digit (may be empty)', description: 'Prefix of the gateway\'s metric names'
  }),
  metricsEventLabelLimit: setting(Type.Integer({ minimum: 0, maximum: 1000, default: 50 }), {
    env: 'METRICS_EVENT_LABEL_LIMIT',
    expected: 'an integer from 0 to 1000',
    description: 'Distinct event names per namespace that become labels; the rest count as event="_other"'
  }),
  metricsEvents: setting(Type.String({ pattern: '^[^,]{0,100}(,[^,]{0,100})*$', default: '' }), {
    env: 'METRICS_EVENTS',
    expected: 'event names separated by commas, each at most 100 characters',
    description: 'Your own event names: always labelled, their series at 0 from start-up, like the chat protocol\'s; other names share what is left of METRICS_EVENT_LABEL_LIMIT'
  }),
  metricsLatencyBuckets: setting(Type.String({ pattern: BUCKETS, default: '0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10' }), {
    env: 'METRICS_LATENCY_BUCKETS', expected: BUCKETS_EXPECTED + ' (seconds)', description: 'Histogram buckets of every latency metric'
  }),
  metricsConnectionBuckets: setting(Type.String({ pattern: BUCKETS, default: '1,10,60,300,900,1800,3600,7200,14400,43200,86400' }), {
    env: 'METRICS_CONNECTION_BUCKETS', expected: BUCKETS_EXPECTED + ' (seconds)', description: 'Histogram buckets of connection duration'
  }),
  metricsRoomSizeBuckets: setting(Type.String({ pattern: BUCKETS, default: '1,2,5,10,20,50,100,200,500,1000,5000,10000' }), {
    env: 'METRICS_ROOM_SIZE_BUCKETS', expected: BUCKETS_EXPECTED + ' (sockets)', description: 'Buckets of the rooms-by-size gauge'
  }),
  metricsHandlerTiming: setting(flag(true), {
    env: 'METRICS_HANDLER_TIMING',
    expected: 'true or false',
    description: 'Time client→server events with an ack (event_handler_duration_seconds); false leaves that histogram out and saves two clock reads per acked event (docs/metrics.md, "What it costs")'
  }),
  metricsSlowClientPackets: setting(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100 }), {
    env: 'METRICS_SLOW_CLIENT_PACKETS',
    expected: 'an integer from 1 to 1000000 (packets)',
    description: 'A client whose outbound buffer holds at least this many packets counts as slow'
  }),
  // Limits (docs/security.md): what one client or one address may hold or ask for.
  outboundBufferMaxBytes: setting(Type.Integer({ minimum: 16_384, maximum: 1024 ** 3, default: 1_048_576 }), {
    env: 'OUTBOUND_BUFFER_MAX_BYTES',
    expected: 'an integer from 16384 to 1073741824 (bytes)',
    description: 'Bytes the gateway may hold for one client that it has not yet taken (a WebSocket client not reading, a polling client not polling); past it the client is cut off'
  }),
  eventRate: setting(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 100 }), {
    env: 'EVENT_RATE',
    expected: 'an integer from 0 to 1000000 (events a second; 0: no limit)',
    description: 'Events one socket may send a second, on average; over it an event is refused with SG_RATE_LIMITED'
  }),
  eventBurst: setting(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100 }), {
    env: 'EVENT_BURST',
    expected: 'an integer from 1 to 1000000 (events)',
    description: 'Events one socket may send at once above EVENT_RATE (the token bucket\'s size)'
  }),
  eventRateLimits: setting(Type.String({ pattern: EVENT_LIMITS, default: '' }), {
    env: 'EVENT_RATE_LIMITS',
    expected: 'a comma-separated list of event=rate/burst like message:send=20/40,room:join=5/20 (rate: events a second)',
    description: 'Tighter limits for single events, each on top of EVENT_RATE (an event must pass both)'
  }),
  eventRateMaxRefused: setting(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100 }), {
    env: 'EVENT_RATE_MAX_REFUSED',
    expected: 'an integer from 1 to 1000000 (events)',
    description: 'A socket with this many events refused for its rate within 10 s is disconnected'
  }),
  eventRateCooldownMs: setting(ms(5000, 0), {
    env: 'EVENT_RATE_COOLDOWN_MS',
    expected: 'a non-negative integer (milliseconds)',
    description: 'After a socket is disconnected for its event rate, new connections from its address are refused for this long (0: not at all), so reconnecting does not buy a fresh burst'
  }),
  ipMaxConnections: setting(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 1000 }), {
    env: 'IP_MAX_CONNECTIONS',
    expected: 'an integer from 0 to 10000000 (connections; 0: no cap)',
    description: 'Connections one client address may hold open on this node (the address as TRUST_PROXY says); more are refused with HTTP 403. 0 turns the cap off (a load test from one machine; never on a public port)'
  }),
  ipHandshakeRate: setting(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 100 }), {
    env: 'IP_HANDSHAKE_RATE',
    expected: 'an integer from 0 to 1000000 (handshakes a second; 0: no limit)',
    description: 'New connections one client address may open a second on this node, on average; more are refused with HTTP 403. 0 turns the limit off (IP_HANDSHAKE_BURST then unused)'
  }),
  ipHandshakeBurst: setting(Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1000 }), {
    env: 'IP_HANDSHAKE_BURST',
    expected: 'an integer from 1 to 10000000 (handshakes)',
    description: 'New connections one client address may open at once above IP_HANDSHAKE_RATE (e.g. everyone behind one NAT reconnecting after a restart)'
  }),
  authMaxBytes: setting(Type.Integer({ minimum: 64, maximum: 1_000_000, default: 4096 }), {
    env: 'AUTH_MAX_BYTES',
    expected: 'an integer from 64 to 1000000 (bytes)',
    description: 'Largest `auth` payload a namespace CONNECT may carry (as JSON); a larger one is refused with SG_AUTH_TOO_LARGE'
  }),
  partialMessageTimeoutMs: setting(ms(10_000, 100), {
    env: 'PARTIAL_MESSAGE_TIMEOUT_MS',
    expected: 'an integer from 100 (milliseconds)',
    description: 'How long a client may take to finish a WebSocket message or an HTTP request (a polling POST) once it has started it; then it is cut off'
  }),
  // Admin UI (docs/admin-ui.md). Secure by default: with no hash, a password is generated at start.
  adminUi: setting(flag(true), {
    env: 'ADMIN_UI', expected: 'true or false', description: 'Serve the Socket.IO Admin UI at /admin (false: nothing is registered)'
  }),
  adminUsername: setting(Type.String({ pattern: '^[^:\\s]{1,64}$', default: 'admin' }), {
    env: 'ADMIN_USERNAME', expected: '1 to 64 characters, no spaces or colons', description: 'Admin UI login name'
  }),
  adminPasswordHash: setting(Type.Optional(Type.String({ pattern: BCRYPT_HASH })), {
    env: 'ADMIN_PASSWORD_HASH',
    expected: 'a bcrypt hash of 60 characters like $2b$12$… (make one with: npx socketgate hash-password; write it in single quotes, in a shell or a .env file, or $ expands)',
    description: 'Admin UI password, bcrypt-hashed (unset: a random password is generated and logged at start)',
    secret: true
  }),
  adminInsecureNoAuth: setting(flag(false), {
    env: 'ADMIN_INSECURE_NO_AUTH', expected: 'true or false', description: 'Open the admin UI without any password (logs a warning at every start)'
  }),
  adminReadonly: setting(flag(false), {
    env: 'ADMIN_READONLY', expected: 'true or false', description: 'Admin UI shows sockets but cannot disconnect them or change their rooms'
  }),
  adminMode: setting(Type.Union([Type.Literal('operator'), Type.Literal('production'), Type.Literal('development')], { default: 'operator' }), {
    env: 'ADMIN_MODE',
    expected: 'operator, production or development',
    description: 'operator: sockets, rooms and clients with metadata only, never a message payload; production: aggregated stats only; development: admin-ui\'s own mode, which copies every event payload to operators (local debugging only)'
  }),
  adminSocketListMax: setting(Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }), {
    env: 'ADMIN_SOCKET_LIST_MAX',
    expected: 'an integer from 1 to 100000 (sockets)',
    description: 'ADMIN_MODE=operator: sockets an operator\'s lists hold, the most recent at login (the true total is shown; search finds the others)'
  }),
  adminLoginFreeAttempts: setting(Type.Integer({ minimum: 1, maximum: 1000, default: 5 }), {
    env: 'ADMIN_LOGIN_FREE_ATTEMPTS',
    expected: 'an integer from 1 to 1000',
    description: 'Wrong admin UI logins an address may make before it has to wait between attempts'
  }),
  adminLoginBackoffMs: setting(ms(1000), {
    env: 'ADMIN_LOGIN_BACKOFF_MS',
    expected: 'a positive integer (milliseconds)',
    description: 'Wait imposed on an address after its first wrong admin UI login beyond the free ones; doubles with every further one'
  }),
  adminLoginBackoffMaxMs: setting(ms(300_000), {
    env: 'ADMIN_LOGIN_BACKOFF_MAX_MS',
    expected: 'a positive integer (milliseconds), at least ADMIN_LOGIN_BACKOFF_MS',
    description: 'Longest wait between two admin UI login attempts from one address'
  }),
  // Scale-out (docs/scale-out.md). Unset REDIS_URL: one node, in-memory adapter.
  redisUrl: setting(Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$' })), {
    env: 'REDIS_URL',
    expected: 'a URL like redis://host:6379 or rediss://user:password@host:6380/0',
    description: 'Redis of the cluster: setting it makes this gateway one node of many (unset: single node)',
    // May carry a password.
    secret: true
  }),
  redisKeyPrefix: setting(Type.String({ pattern: '^[A-Za-z0-9_.:{}-]{1,64}$', default: 'socketgate' }), {
    env: 'REDIS_KEY_PREFIX',
    expected: 'letters, digits and _ . : { } -, at most 64',
    description: 'Prefix of every Redis key and channel the cluster uses; clusters sharing one Redis need different prefixes'
  }),
  redisStreamMaxLen: setting(Type.Integer({ minimum: 100, maximum: 10_000_000, default: 10_000 }), {
    env: 'REDIS_STREAM_MAX_LEN',
    expected: 'an integer from 100 to 10000000 (entries)',
    description: 'Broadcasts kept in the Redis stream; connection state recovery cannot replay further back'
  }),
  redisTimeoutMs: setting(ms(2000, 50), {
    env: 'REDIS_TIMEOUT_MS',
    expected: 'an integer from 50 (milliseconds)',
    description: 'Longest wait for a Redis reply: beyond it Redis counts as down (hung or unreachable), local delivery stops waiting for it and message:send answers SG_UNAVAILABLE'
  }),
  readinessRequiresRedis: setting(flag(false), {
    env: 'READINESS_REQUIRES_REDIS',
    expected: 'true or false',
    description: 'Readiness 503 while Redis is down; false: the node stays ready and reports degraded, as it still serves its own clients'
  }),
  nodeId: setting(Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' })), {
    env: 'NODE_ID',
    expected: 'letters, digits and _ . : -, at most 64',
    description: 'This node\'s name in the cluster view and logs (unset: <hostname>-<pid>)'
  }),
  clusterHeartbeatMs: setting(ms(5000, 100), {
    env: 'CLUSTER_HEARTBEAT_MS', expected: 'an integer from 100 (milliseconds)', description: 'How often a node tells the cluster it is alive'
  }),
  clusterNodeTimeoutMs: setting(ms(15_000, 200), {
    env: 'CLUSTER_NODE_TIMEOUT_MS',
    expected: 'an integer from 200 (milliseconds), above CLUSTER_HEARTBEAT_MS',
    description: 'A node not heard from for this long leaves the cluster view'
  }),
  clusterExpectedNodes: setting(Type.Integer({ minimum: 0, maximum: 10000, default: 0 }), {
    env: 'CLUSTER_EXPECTED_NODES',
    expected: 'an integer from 0 to 10000 (nodes)',
    description: 'How many nodes the cluster should have (socketgate_cluster_expected_nodes; the SocketgateClusterBelowExpectedSize alert compares the cluster view with it); 0: not set, no alert'
  })
}, { additionalProperties: false })

export type Config = Readonly<Static<typeof ConfigSchema>>
export type ConfigInput = Partial<Static<typeof ConfigSchema>>
export type ConfigKey = keyof Config

type SettingSchema = TSchema & Meta
const settings = Object.entries(ConfigSchema.properties) as unknown as Array<[ConfigKey, SettingSchema]>

export const cliFlag = (env: string) => '--' + env.toLowerCase().replaceAll('_', '-')

/** A union with a boolean member (`auto`, `true` or `false`): "true"/"false" are booleans there too. */
const takesBoolean = (schema: TSchema): boolean => (schema.anyOf as TSchema[] | undefined)?.some((s) => s.type === 'boolean') === true

/** Turns one env/CLI string into the type its schema asks for; leaves it a string when it cannot. */
function fromString (schema: TSchema, raw: string): unknown {
  const s = raw.trim()
  if (schema.type === 'array') return s === '' ? [] : s.split(',').map((v) => v.trim())
  if (schema.type === 'boolean' || takesBoolean(schema)) {
    if (/^(true|1|yes|on)$/i.test(s)) return true
    if (/^(false|0|no|off)$/i.test(s)) return false
    return s
  }
  if (schema.type === 'integer' && /^-?\d+$/.test(s)) return Number(s)
  return s
}

/** Reads settings from environment variables; unknown variables are the environment's business. */
export function fromEnv (env: NodeJS.ProcessEnv): ConfigInput {
  const input: Record<string, unknown> = {}
  for (const [key, schema] of settings) {
    const raw = env[schema.env]
    if (raw !== undefined && raw !== '') input[key] = fromString(schema, raw)
  }
  return input as ConfigInput
}

/**
 * Reads `--flag value` / `--flag=value` pairs. An unknown flag is an error (a typo must not
 * silently fall back to a default). Returns `help: true` for `--help`.
 */
export function fromArgv (argv: readonly string[]): { input: ConfigInput, help: boolean } {
  const byFlag = new Map(settings.map(([key, schema]) => [cliFlag(schema.env), [key, schema] as const]))
  const input: Record<string, unknown> = {}
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') { help = true; continue }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const found = byFlag.get(name)
    if (!found) throw new ConfigError(`${arg}: unknown option; run with --help to list the options`)
    const [key, schema] = found
    let value = inline
    if (value === undefined) {
      const next = argv[i + 1]
      // `--host --port 1` means a forgotten value, not the host "--port".
      const missing = next === undefined || next.startsWith('--')
      if ((schema.type === 'boolean' || takesBoolean(schema)) && missing) value = 'true'
      else if (missing) throw new ConfigError(`${schema.env} (${name}): missing value; expected ${schema.expected}`)
      else { value = next; i++ }
    }
    input[key] = fromString(schema, value)
  }
  return { input: input as ConfigInput, help }
}

function show (schema: SettingSchema, value: unknown): string {
  if (schema.secret) return '(hidden)'
  return JSON.stringify(Array.isArray(value) ? value.join(',') : value)
}

/** Rules that span settings, which a per-key schema cannot say. */
function crossChecks (c: Config): string[] {
  const out: string[] = []
  if (c.authMode === 'jwt' && !c.jwtSecret && !c.jwtPublicKey) {
    out.push('AUTH_MODE: "jwt" needs JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256/ES256); neither is set')
  }
  if (c.jwtSecret && c.jwtPublicKey) {
    out.push('JWT_SECRET and JWT_PUBLIC_KEY are both set; expected exactly one of them')
  }
  if (c.drainWindowMs >= c.shutdownTimeoutMs) {
    out.push(`DRAIN_WINDOW_MS: ${c.drainWindowMs} is not below SHUTDOWN_TIMEOUT_MS (${c.shutdownTimeoutMs}); expected a drain window shorter than the shutdown deadline`)
  }
  if (c.adminInsecureNoAuth && c.adminPasswordHash) {
    out.push('ADMIN_INSECURE_NO_AUTH and ADMIN_PASSWORD_HASH are both set; expected at most one of them')
  }
  if (c.clusterNodeTimeoutMs <= c.clusterHeartbeatMs) {
    out.push(`CLUSTER_NODE_TIMEOUT_MS: ${c.clusterNodeTimeoutMs} is not above CLUSTER_HEARTBEAT_MS (${c.clusterHeartbeatMs}); expected a timeout of a few heartbeats`)
  }
  if (c.adminLoginBackoffMaxMs < c.adminLoginBackoffMs) {
    out.push(`ADMIN_LOGIN_BACKOFF_MAX_MS: ${c.adminLoginBackoffMaxMs} is below ADMIN_LOGIN_BACKOFF_MS (${c.adminLoginBackoffMs}); expected a longest wait at least as long as the first`)
  }
  if (c.adminUi && c.namespaces.includes('/admin')) {
    out.push('NAMESPACES: "/admin" is the admin UI\'s namespace; expected other names, or ADMIN_UI=false')
  }
  for (const [event, { rate, burst }] of parseEventLimits(c.eventRateLimits)) {
    if (rate < 1 || burst < 1) out.push(`EVENT_RATE_LIMITS: "${event}=${rate}/${burst}" is not valid; expected a rate and a burst of at least 1`)
  }
  for (const key of ['metricsLatencyBuckets', 'metricsConnectionBuckets', 'metricsRoomSizeBuckets'] as const) {
    const bounds = parseBuckets(c[key])
    if (bounds.some((b, i) => b <= 0 || (i > 0 && b <= bounds[i - 1]!))) {
      out.push(`${(ConfigSchema.properties[key] as unknown as Meta).env}: "${c[key]}" is not valid; expected ${BUCKETS_EXPECTED}`)
    }
  }
  return out
}

/**
 * Applies defaults, validates every key and returns a frozen config. Throws one ConfigError that
 * lists every bad key on its own line: `KEY: "value" is not valid; expected …`.
 */
export function resolveConfig (input: ConfigInput = {}): Config {
  const problems: string[] = []
  const known = new Set<string>(settings.map(([k]) => k))
  for (const key of Object.keys(input)) {
    if (!known.has(key)) problems.push(`${key}: unknown setting; expected one of ${[...known].join(', ')}`)
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(
    Object.fromEntries(Object.entries(input).filter(([k, v]) => known.has(k) && v !== undefined))
  )) as Record<string, unknown>
  for (const [key, schema] of settings) {
    if (withDefaults[key] === undefined) continue
    if (!Value.Check(schema, withDefaults[key])) {
      problems.push(`${schema.env}: ${show(schema, withDefaults[key])} is not valid; expected ${schema.expected}`)
    }
  }
  if (problems.length === 0) problems.push(...crossChecks(withDefaults as Config))
  if (problems.length > 0) throw new ConfigError(problems.join('\n'))
  // Frozen all the way down: a plugin pushing onto `config.namespaces` must fail, not diverge.
  for (const value of Object.values(withDefaults)) if (Array.isArray(value)) Object.freeze(value)
  return Object.freeze(withDefaults) as Config
}

/** `--help` text: one block per setting, env name, flag, default and meaning. */
export function helpText (usage = 'Usage: socketgate [--flag value ...]'): string {
  const lines = [usage, '', 'Every flag has an environment variable; flags win.', '']
  for (const [, schema] of settings) {
    const def = schema.default === undefined ? '' : ` (default: ${JSON.stringify(Array.isArray(schema.default) ? schema.default.join(',') : schema.default)})`
    lines.push(`  ${cliFlag(schema.env)}, ${schema.env}${def}`)
    lines.push(`      ${schema.description}; ${schema.expected}`)
  }
  return lines.join('\n')
}

/** The rows of the README's config table, so docs can be checked against the schema. */
export function settingsTable (): Array<{ env: string, flag: string, default: unknown, description: string, expected: string }> {
  return settings.map(([, s]) => ({ env: s.env, flag: cliFlag(s.env), default: s.default, description: s.description, expected: s.expected }))
}
