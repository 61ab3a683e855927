// The library API: build a gateway, add your own handlers, listen.
export { createGateway, type Gateway, type GatewayOptions } from './app.js'
export { resolveConfig, fromEnv, fromArgv, type Config, type ConfigInput } from './config.js'
// Opt-in, process-wide: see src/tick-shapes.ts (the `socketgate` command applies it).
export { keepTickShapes } from './tick-shapes.js'
export { ConfigError, HandshakeError, SocketErrorCode, ALL_ERROR_CODES } from './errors.js'
export type { Authenticate, Handshake } from './realtime/auth.js'
export type { GatewayServer } from './plugins/socket-io.js'
export type { GatewayNamespace, GatewaySocket } from './realtime/chat.js'
export type {
  Ack, AckError, ChatMessage, SendMessage,
  ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData
} from './realtime/events.js'
