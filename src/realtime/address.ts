// A Socket.IO client's address as Fastify computes `request.ip` for the same TRUST_PROXY:
// Socket.IO's `handshake.address` is the TCP peer, which behind a load balancer is the balancer.
// The same library as Fastify's, so HTTP and Socket.IO logs cannot disagree about a client.
import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import type { Socket } from 'socket.io'

// Fastify's `trustProxy: true` trusts every hop: the address is X-Forwarded-For's first (leftmost)
// entry, or the TCP peer when the header is missing or empty.
const everyHop = (): boolean => true

export function clientAddress ({ handshake }: Socket, trustProxy: boolean): string {
  // Untrusted, the header is the client's own word: anyone could claim any address.
  if (!trustProxy) return handshake.address
  // What proxy-addr reads of a request, from the handshake: engine.io copied the peer's address
  // at connection time because the request's own socket may be gone since.
  const request = { headers: handshake.headers, socket: { remoteAddress: handshake.address } }
  return proxyAddr(request as unknown as IncomingMessage, everyHop)
}

/** The same address for an HTTP request (an engine.io handshake, before any socket exists). */
export function requestAddress (req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket?.remoteAddress ?? ''
  if (!trustProxy) return peer
  return proxyAddr(req, everyHop)
}
