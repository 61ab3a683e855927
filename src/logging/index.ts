// How the gateway logs: pino through Fastify, as JSON (one object per line, for machines) or
// pretty (short and colored, for people); LOG_FORMAT=auto picks pretty when stdout is a
// terminal. Requests are one line each, when they complete; static files only at debug.
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Config } from '../config.js'
import { prettyStream } from './pretty.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A static file (script, style, font, image): its requests are logged at debug. */
    asset?: boolean
  }
}

export type LogFormat = 'pretty' | 'json'

export function logFormat (setting: Config['logFormat'], stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  if (setting !== 'auto') return setting
  return stdout.isTTY === true ? 'pretty' : 'json'
}

/** Fastify's `logger` option for a config: pino at LOG_LEVEL, formatted as LOG_FORMAT says. */
export function loggerOptions (config: Config): NonNullable<FastifyServerOptions['logger']> {
  if (logFormat(config.logFormat) === 'json') return { level: config.logLevel }
  const color = process.stdout.isTTY === true
  return { level: config.logLevel, stream: prettyStream({ color, write: (text) => process.stdout.write(text) }) }
}

/** Routes that serve files from a folder (@fastify/static's `/prefix/*`), or marked `asset`. */
const isAsset = (request: FastifyRequest): boolean =>
  request.routeOptions.config?.asset === true || (request.routeOptions.url?.endsWith('*') ?? false)

/**
 * Fastify's request lines, fewer: one line per request when it completes (method, URL, status,
 * time) instead of two, the incoming one at debug; static files at debug, so a page load is
 * not a screenful. Errors are logged as Fastify logs them.
 */
export class GatewayLogController extends LogController {
  override incomingRequest (request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply)
    if (this.isLogDisabled(request)) return
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (isAsset(request) && reply.statusCode < 400) reply.log.debug(line, 'request completed')
    else reply.log.info(line, 'request completed')
  }
}
