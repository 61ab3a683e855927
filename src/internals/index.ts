// The private internals of socket.io, engine.io, ws and socket.io-adapter this gateway uses, one
// module per package, checked once at start-up (src/plugins/socket-io.ts): a missing shape is a
// warning naming the package and its installed version, and the gateway takes the public path
// that module names; where no public path keeps the counters exact, start-up fails instead.
// docs/metrics.md ("Private internals") lists them.
import { checkEngineIoShapes, type EngineIoShapes } from './engine-io.js'
import type { ShapeProblem } from './resolve.js'
import { checkSocketIoAdapterShapes } from './socket-io-adapter.js'
import { checkDeliveryShape } from './socket-io-adapter-delivery.js'
import { checkSocketIoShapes, type SocketIoShapes } from './socket-io.js'
import { checkWsShapes, type WsShapes } from './ws.js'

export type { ShapeProblem } from './resolve.js'

/** Which private paths may be taken; false: take the public fallback. */
export interface InternalShapes {
  ws: WsShapes
  engineIo: EngineIoShapes
  socketIo: SocketIoShapes
  /** socket.io-adapter's local write of a broadcast (deliveries by origin, delivery lag). */
  adapterDelivery: boolean
}

/** Every shape as the installed packages have it (all true on the versions this gateway was written for). */
export function checkInternals (): { shapes: InternalShapes, problems: ShapeProblem[] } {
  const ws = checkWsShapes()
  const engineIo = checkEngineIoShapes()
  const socketIo = checkSocketIoShapes()
  const adapter = checkSocketIoAdapterShapes()
  const delivery = checkDeliveryShape()
  return {
    shapes: { ws: ws.shapes, engineIo: engineIo.shapes, socketIo: socketIo.shapes, adapterDelivery: delivery.shape },
    problems: [...ws.problems, ...engineIo.problems, ...socketIo.problems, ...adapter.problems, ...delivery.problems]
  }
}

/** One line per problem, for the start-up warning or error. */
export const describe = (p: ShapeProblem): string => `${p.package}@${p.version} no longer has ${p.missing}; ${p.fatal ? 'cannot start' : 'falling back'}: ${p.fallback}`

/** Checks, warns of each fallback, and throws when one shape has no fallback. */
export function guardInternals (warn: (fields: object, message: string) => void): InternalShapes {
  const { shapes, problems } = checkInternals()
  const fatal = problems.filter((p) => p.fatal)
  if (fatal.length > 0) throw new Error(`socketgate does not support the installed Socket.IO packages:\n${fatal.map(describe).join('\n')}`)
  for (const p of problems) warn({ package: p.package, version: p.version, missing: p.missing }, describe(p))
  return shapes
}
