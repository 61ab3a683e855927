// socket.io internals: the server's namespace table (`_nsps`) and dynamic-namespace parents
// (`parentNsps`, `parentNamespacesFromRegExp`), and a socket's `dispatch`, through which every
// client event passes after the onAny listeners and before the middlewares. Only `_nsps` is in
// socket.io's typings, and none is documented. Counting an event in a wrapper of `dispatch`
// keeps the gateway's one per-event hook out of Socket.IO's middleware runner, which V8 then
// inlines (bench/RESULTS.md); without it the hook is a `socket.use` middleware, the public path,
// counting the same events. Written against socket.io 4.8; test/internals/socket-io.test.ts
// fails when an update changes a shape.
import type { Namespace, Server, Socket } from 'socket.io'
import { load, problem, isFunction, sourceHas, type ShapeProblem } from './resolve.js'

interface SocketIoModule {
  Server: new (...args: never[]) => unknown
  Socket: { prototype: { dispatch?: unknown, onevent?: unknown, use?: unknown, emit?: unknown } }
}

export interface SocketIoShapes {
  /** `Socket#dispatch(args)`, called by `onevent` with the event's arguments (ack last). */
  dispatch: boolean
  /** `Server#parentNsps` and `Server#parentNamespacesFromRegExp`: the dynamic namespaces' parents. */
  parents: boolean
}

export function checkSocketIoShapes (): { shapes: SocketIoShapes, problems: ShapeProblem[] } {
  const sio = load<SocketIoModule>('socket.io')
  const problems: ShapeProblem[] = []
  // Without the namespace table the gateway cannot list what it serves (metrics, admin, close):
  // no public path lists namespaces, so start-up fails rather than report nothing.
  if (!sourceHas(sio.Server, 'this._nsps = new Map()')) problems.push(problem('socket.io', 'Server#_nsps', 'none: the gateway cannot list its namespaces', true))
  const shapes: SocketIoShapes = {
    dispatch: isFunction(sio.Socket.prototype.dispatch) && sourceHas(sio.Socket.prototype.onevent, 'this.dispatch(args)'),
    parents: sourceHas(sio.Server, 'this.parentNsps = new Map()') && sourceHas(sio.Server, 'this.parentNamespacesFromRegExp = new Map()')
  }
  if (!shapes.dispatch) problems.push(problem('socket.io', 'Socket#dispatch', 'client events are counted in a socket.use() middleware'))
  if (!shapes.parents) problems.push(problem('socket.io', 'Server#parentNsps', 'each child of a dynamic namespace is labelled with its own name, not its parent\'s'))
  return { shapes, problems }
}

/** Every namespace this server serves, by name. */
export function namespacesOf<S extends Server<any, any, any, any>> (io: S): S['_nsps'] {
  return io._nsps
}

interface Parents {
  parentNamespacesFromRegExp?: Map<RegExp, { children: Set<Namespace> }>
  parentNsps?: Map<unknown, { name: string, children: Set<Namespace> }>
}

/** The parent of a child of a dynamic namespace (io.of(/regex/) or io.of(fn)): its regex or function name. */
export function parentNameOf (io: Server, nsp: Namespace): string | undefined {
  const { parentNamespacesFromRegExp, parentNsps } = io as unknown as Parents
  for (const [regex, parent] of parentNamespacesFromRegExp ?? []) if (parent.children.has(nsp)) return String(regex)
  for (const parent of parentNsps?.values() ?? []) if (parent.children.has(nsp)) return parent.name
  return undefined
}

/**
 * Returns what makes a socket call `observe(socket, args)` for each of its client events before
 * their listeners: `args` is the event name and arguments, the ack last when the client wants
 * one; `observe` may replace it. One function serves every socket it is given (on the private
 * path), so a socket costs a property, not a closure.
 */
export function clientEventHook (shapes: Pick<SocketIoShapes, 'dispatch'>, observe: (socket: Socket, args: unknown[]) => void): (socket: Socket) => void {
  if (!shapes.dispatch) {
    return (socket) => {
      socket.use((args, next) => {
        observe(socket, args)
        next()
      })
    }
  }
  type Dispatch = (this: Socket, args: unknown[]) => void
  let dispatch: Dispatch | undefined
  const hooked: Dispatch = function (args) {
    observe(this, args)
    dispatch!.call(this, args)
  }
  return (socket) => {
    const s = socket as unknown as { dispatch: Dispatch }
    // Socket.IO's own, from the prototype.
    dispatch ??= s.dispatch
    if (s.dispatch === dispatch) {
      s.dispatch = hooked
      return
    }
    // Already replaced by someone else: wrapped on its own.
    const own = s.dispatch
    s.dispatch = function (args) {
      observe(this, args)
      own.call(this, args)
    }
  }
}

type AnyFn = (...args: unknown[]) => unknown
export type Emit = (this: Socket, ev: unknown, ...args: unknown[]) => boolean

/**
 * Returns what replaces `socket.emit` on a socket by `wrap(original)`, one function for every
 * socket it is given (call the original with `.call(this, …)`). `emit` is public; that with
 * connection state recovery on it goes through the adapter's `broadcast` (to stamp an offset) is
 * not, which is why the counters flag their own emits.
 */
export function emitHook (wrap: (emit: AnyFn) => Emit): (socket: Socket) => void {
  let emit: AnyFn | undefined
  let hooked: Emit | undefined
  return (socket) => {
    const s = socket as unknown as { emit: AnyFn }
    if (emit === undefined) {
      // Socket.IO's own, from the prototype.
      emit = s.emit
      hooked = wrap(emit)
    }
    s.emit = (s.emit === emit ? hooked! : wrap(s.emit)) as AnyFn
  }
}

/**
 * Like `clientEventHook`, but `gate` decides: an event it answers false for goes no further
 * (no middleware, no listener). The event rate limit refuses through it (src/limits/events.ts),
 * so a refused event costs no middleware run and no tick. One function serves every socket on
 * the private path, so a socket costs a property, not a closure.
 */
export function gateClientEvents (shapes: Pick<SocketIoShapes, 'dispatch'>, gate: (socket: Socket, args: unknown[]) => boolean): (socket: Socket) => void {
  if (!shapes.dispatch) {
    return (socket) => {
      socket.use((args, next) => { if (gate(socket, args)) next() })
    }
  }
  type Dispatch = (this: Socket, args: unknown[]) => void
  // The dispatch the first socket had (Socket.IO's own, or one hook's shared by every socket).
  let inner: Dispatch | undefined
  const gated: Dispatch = function (args) {
    if (gate(this, args)) inner!.call(this, args)
  }
  return (socket) => {
    const s = socket as unknown as { dispatch: Dispatch }
    inner ??= s.dispatch
    if (s.dispatch === inner) {
      s.dispatch = gated
      return
    }
    // A socket whose dispatch differs from the first one's: gated on its own.
    const before = s.dispatch
    s.dispatch = function (args) {
      if (gate(this, args)) before.call(this, args)
    }
  }
}
