// Which browser origins may open a Socket.IO connection. Browsers send `Origin` with every
// cross-origin request and with every WebSocket handshake, and a WebSocket has no CORS: without
// this check any site could connect with its visitor's cookies (cross-site WebSocket hijacking).
// Requests without `Origin` come from non-browser clients, which no site can drive, and pass.
import type { IncomingHttpHeaders } from 'node:http'

export interface OriginPolicy {
  /** CORS_ORIGINS: allowed origins, `*` for any; empty for the gateway's own origin only. */
  allowed: readonly string[]
  /** TRUST_PROXY: the public host and scheme are X-Forwarded-Host/-Proto's first entries. */
  trustProxy: boolean
}

/** `scheme://host[:port]`, lower case, default port dropped; undefined when not an http(s) origin. */
function normalise (origin: string): string | undefined {
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin
  } catch {
    return undefined
  }
}

const first = (value: string | string[] | undefined): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value
  const entry = v?.split(',')[0]?.trim()
  return entry === '' ? undefined : entry
}

/** The host (and scheme, when known) the client addressed, as Fastify's `request.host` reads it. */
function requestedHost (headers: IncomingHttpHeaders, trustProxy: boolean): { host: string | undefined, scheme: string | undefined } {
  if (trustProxy) {
    const host = first(headers['x-forwarded-host']) ?? headers.host
    return { host: host?.toLowerCase(), scheme: first(headers['x-forwarded-proto'])?.toLowerCase() }
  }
  return { host: headers.host?.toLowerCase(), scheme: undefined }
}

/** Compiles the policy once; the check then costs a URL parse per request that has an Origin. */
export function originCheck (policy: OriginPolicy): (headers: IncomingHttpHeaders) => string | undefined {
  if (policy.allowed.includes('*')) return () => undefined
  const allowed = new Set(policy.allowed.map((o) => normalise(o)).filter((o): o is string => o !== undefined))
  return (headers) => {
    const origin = headers.origin
    if (origin === undefined) return undefined
    const normal = normalise(origin)
    if (allowed.size > 0) {
      if (normal !== undefined && allowed.has(normal)) return undefined
      return `Origin ${origin} is not allowed to connect; expected one of CORS_ORIGINS (${policy.allowed.join(', ')})`
    }
    if (normal !== undefined) {
      const url = new URL(normal)
      const { host, scheme } = requestedHost(headers, policy.trustProxy)
      // The Host header may carry the default port the Origin leaves out.
      const defaultPort = url.protocol === 'https:' ? ':443' : ':80'
      const bare = host?.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host
      if (bare === url.host && (scheme === undefined || scheme + ':' === url.protocol)) return undefined
    }
    return `Origin ${origin} is not this gateway's origin, and CORS_ORIGINS is not set (same origin only); set CORS_ORIGINS to allow it`
  }
}
