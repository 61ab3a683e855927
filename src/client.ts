// `socketgate/client`: socket.io-client bound to the gateway's event maps, so a client that
// compiles against this cannot drift from the server's contract.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import type { ClientToServerEvents, ServerToClientEvents } from './realtime/events.js'

export type GatewayClient = Socket<ServerToClientEvents, ClientToServerEvents>
export type ClientOptions = Partial<ManagerOptions & SocketOptions>

/** `url` may include a namespace: `http://host:3000/chat`. */
export function createClient (url: string, opts: ClientOptions = {}): GatewayClient {
  return io(url, opts)
}

export type { Ack, AckError, ChatMessage, SendMessage, ClientToServerEvents, ServerToClientEvents } from './realtime/events.js'
