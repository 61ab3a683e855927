// The one place HTTP errors become bodies: `{ ok: false, error: { code, message } }`. Client
// mistakes (4xx) are explained to the client; server faults (5xx) are logged and hidden.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyRequest } from 'fastify'
import { Internal, NotFound } from '../errors.js'

export interface ErrorBody {
  ok: false
  error: { code: string, message: string }
}

const body = (code: string, message: string): ErrorBody => ({ ok: false, error: { code, message } })

/** Fastify's texts for these two do not say what would have been accepted. */
function clientMessage (err: FastifyError, req: FastifyRequest): string {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return `Request body is too large; expected at most ${req.routeOptions.bodyLimit} bytes (MAX_HTTP_BUFFER_SIZE)`
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = req.headers['content-type']
    return `Content-Type ${given === undefined ? '(none)' : JSON.stringify(given.slice(0, 100))} is not accepted; expected application/json`
  }
  return err.message
}

export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    // Our own 503s (a dependency down) are meant for the caller, with their Retry-After.
    if (status === 503 && err.code?.startsWith('SG_')) return reply.code(503).send(body(err.code, err.message))
    if (status >= 500) {
      req.log.error({ err, route: req.routeOptions.url }, 'request failed')
      const internal = new Internal()
      return reply.code(500).send(body(internal.code, internal.message))
    }
    // Fastify's own errors (bad JSON, body too large, schema validation) keep their status and
    // message but carry our code, so clients handle one code space.
    const code = err.code?.startsWith('SG_') ? err.code : 'SG_BAD_REQUEST'
    return reply.code(status).send(body(code, clientMessage(err, req)))
  })
  app.setNotFoundHandler((req, reply) => {
    const err = new NotFound(req.method, req.url.split('?')[0])
    return reply.code(404).send(body(err.code, err.message))
  })
}, { fastify: '5.x', name: 'error-handler' })
