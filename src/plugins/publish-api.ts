// HTTP API for backends: publish an event to a namespace or room, list rooms. Protected by one
// bearer key; without PUBLISH_API_KEY every route answers SG_API_DISABLED.
import { timingSafeEqual } from 'node:crypto'
import { Ajv } from 'ajv'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Namespace } from 'socket.io'
import type { Config } from '../config.js'
import { clusterRooms, localRooms } from '../cluster/rooms.js'
import { ApiDisabled, BadRequest, PayloadTooDeep, PayloadTooLarge, Unauthorized, Unavailable, UnknownNamespace } from '../errors.js'
import { dataProblem, describeDataProblem } from '../realtime/data-limits.js'
import { roomNameProblem } from '../realtime/rooms.js'

/** Event names Socket.IO keeps for itself: emitting one throws, so they are refused up front. */
export const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])

export interface PublishBody {
  namespace?: string
  room?: string
  event: string
  data?: unknown
}

const publishSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['event'],
    properties: {
      namespace: { type: 'string', minLength: 1, maxLength: 128 },
      room: { type: 'string', minLength: 1, maxLength: 64 },
      event: { type: 'string', minLength: 1, maxLength: 128 },
      data: {}
    }
  }
} as const

const roomsSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      namespace: { type: 'string', minLength: 1, maxLength: 128 },
      limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 }
    }
  }
} as const

type Emitter = { emit: (event: string, ...args: unknown[]) => boolean }

/** Ajv's error, with the `verbose` extras the messages below use. */
interface SchemaError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
  data?: unknown
  parentSchema?: { properties?: Record<string, unknown> }
}

const kind = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v

/**
 * Ajv's default text for an unknown key ("must NOT have additional properties") does not say
 * which key; a caller fixing their request needs the field name and what is accepted instead.
 */
function schemaProblem (errors: SchemaError[], dataVar: string): Error {
  const e = errors[0]!
  const at = dataVar + e.instancePath
  switch (e.keyword) {
    case 'additionalProperties':
      return new Error(`${at}/${String(e.params.additionalProperty)} is not accepted; expected only ${Object.keys(e.parentSchema?.properties ?? {}).join(', ')}`)
    case 'required':
      return new Error(`${at}/${String(e.params.missingProperty)} is missing; it is required`)
    case 'type':
      return new Error(`${at} must be ${String(e.params.type)}, got ${kind(e.data)}`)
    default:
      return new Error(`${at} ${e.message ?? 'is not valid'}`)
  }
}

function bearerCheck (key: string | undefined) {
  const expected = key === undefined ? undefined : Buffer.from(key)
  return async (req: { headers: { authorization?: string } }, reply: { header: (k: string, v: string) => unknown }) => {
    if (expected === undefined) throw new ApiDisabled()
    // The scheme is case-insensitive (RFC 7235: "bearer" is "Bearer"); the key is not.
    const given = Buffer.from(/^bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '')
    // Compare in constant time so the key cannot be guessed byte by byte from response timing.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.header('www-authenticate', 'Bearer realm="socketgate"')
      throw new Unauthorized()
    }
  }
}

async function routes (app: FastifyInstance, { config }: { config: Config }) {
  const served = ['/', ...config.namespaces]
  const dataLimits = { maxDepth: config.publishDataMaxDepth, maxBytes: config.publishDataMaxBytes }
  const namespaceOf = (name = '/') => {
    if (!served.includes(name)) throw new UnknownNamespace(name, served.join(', '))
    return app.io.of(name)
  }

  // Bodies are validated strictly (no type coercion, unknown keys refused rather than dropped,
  // as Fastify's defaults would); query strings are strings and may be coerced.
  const strict = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false, verbose: true })
  const lenient = new Ajv({ removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false, verbose: true })
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema))
  app.setSchemaErrorFormatter((errors, dataVar) => schemaProblem(errors as SchemaError[], dataVar))
  // The API speaks JSON only: a text/plain body would otherwise be parsed into a string and
  // refused as "must be object", which hides the real mistake (the Content-Type).
  app.removeContentTypeParser('text/plain')

  app.addHook('onRequest', bearerCheck(config.publishApiKey))

  // A cluster node cut off from Redis would reach its own sockets only: say so rather than
  // pretend, so the backend retries (or tries another node).
  const reachable = (reply: { header: (k: string, v: string) => unknown }): void => {
    if (app.cluster.connected()) return
    reply.header('retry-after', '1')
    throw new Unavailable('This node cannot reach the cluster\'s Redis now; retry shortly or on another node')
  }

  app.post<{ Body: PublishBody }>('/publish', { schema: publishSchema }, async (req, reply) => {
    const { event, room, data } = req.body
    if (RESERVED_EVENTS.has(event)) {
      throw new BadRequest(`body/event "${event}" is reserved by Socket.IO; expected an event name of your own`)
    }
    const problem = room === undefined ? undefined : roomNameProblem(room)
    if (problem) throw new BadRequest(`body/${problem}`)
    const tooMuch = dataProblem(data, dataLimits)
    if (tooMuch) {
      app.metrics.limitExceeded('publish_data')
      const message = describeDataProblem('body/data', tooMuch)
      throw tooMuch.rule === 'depth' ? new PayloadTooDeep(message) : new PayloadTooLarge(message)
    }
    const nsp = namespaceOf(req.body.namespace)
    reachable(reply)
    const recipients = room === undefined ? nsp.sockets.size : nsp.adapter.rooms.get(room)?.size ?? 0
    const target = (room === undefined ? nsp : nsp.to(room)) as unknown as Emitter
    // A 200 promises the other nodes got it too: Redis may fail during the hand-off itself.
    await app.cluster.handoff(() => {
      if (data === undefined) target.emit(event)
      else target.emit(event, data)
    }).catch((err: Error) => {
      reply.header('retry-after', '1')
      throw new Unavailable(`The cluster's Redis did not take the event (${err.message}); this node's clients got it, other nodes may not; retry shortly`)
    })
    app.metrics.published(nsp.name, reply.elapsedTime)
    // `recipients` counts this node's sockets; in a cluster the other nodes deliver to theirs
    // too (`nodes` says how many nodes there are) without a round trip to count them.
    return app.cluster.enabled ? { ok: true, recipients, scope: 'local', nodes: app.cluster.nodes().length } : { ok: true, recipients, scope: 'local' }
  })

  app.get<{ Querystring: { namespace?: string, limit: number } }>('/rooms', { schema: roomsSchema }, async (req, reply) => {
    const names = req.query.namespace === undefined ? served : [namespaceOf(req.query.namespace).name]
    const { cluster } = app
    if (cluster.enabled) reachable(reply)
    const counted = await Promise.all(names.map(async (name) => {
      const nsp = app.io.of(name) as unknown as Namespace
      if (!cluster.enabled) return localRooms(nsp)
      return clusterRooms(nsp, config.clusterNodeTimeoutMs).catch((err: Error) => {
        reply.header('retry-after', '1')
        throw new Unavailable(`Not every node answered the rooms listing (${err.message}); retry shortly`)
      })
    }))
    return {
      ...(cluster.enabled ? { scope: 'cluster', nodes: cluster.nodes().length } : {}),
      namespaces: names.map((name, i) => {
        const { sockets, rooms } = counted[i]!
        const sorted = [...rooms].map(([room, n]) => ({ room, sockets: n }))
          .sort((a, b) => b.sockets - a.sockets || a.room.localeCompare(b.room))
        return { namespace: name, sockets, rooms: sorted.slice(0, req.query.limit), totalRooms: sorted.length }
      })
    }
  })
}

export default fp<{ config: Config }>(async (app, opts) => {
  await app.register(routes, { ...opts, prefix: '/api/v1' })
}, { fastify: '5.x', name: 'publish-api', dependencies: ['socket-io', 'error-handler', 'cluster'] })
