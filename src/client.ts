// `socketgate/client`: socket.io-client bound to the gateway's event maps, so a client that
// compiles against this cannot drift from the server's contract. It asks for connection state
// recovery in its handshake (`auth.recovery`), which CONNECTION_RECOVERY=auto, the default, grants
// only to the clients that ask (docs/delivery.md); pass `auth: { recovery: false }` to opt out.
// Its listeners get each event's arguments as the server emitted them, without the offset.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { stripOffsets } from './internals/socket-io-client.js'
import type { ClientToServerEvents, ServerToClientEvents } from './realtime/events.js'

export type GatewayClient = Socket<ServerToClientEvents, ClientToServerEvents>
export type ClientOptions = Partial<ManagerOptions & SocketOptions>

type Auth = Record<string, unknown>

function askingForRecovery (auth: ClientOptions['auth']): ClientOptions['auth'] {
  if (typeof auth === 'function') return (cb: (data: object) => void) => auth((data) => cb({ recovery: true, ...data }))
  return { recovery: true, ...(auth as Auth | undefined) }
}

/** `url` may include a namespace: `http://host:3000/chat`. */
export function createClient (url: string, opts: ClientOptions = {}): GatewayClient {
  const socket: GatewayClient = io(url, { ...opts, auth: askingForRecovery(opts.auth) })
  stripOffsets(socket)
  return socket
}

export type { Ack, AckError, ChatMessage, SendMessage, ClientToServerEvents, ServerToClientEvents } from './realtime/events.js'
