// The built-in room messaging protocol (the classic Socket.IO chat contract). Every listener
// validates its input and answers through the ack; none throws, so a bad packet from one client
// never reaches another.
import { randomUUID } from 'node:crypto'
import type { Namespace, Socket } from 'socket.io'
import type { Config } from '../config.js'
import { clientEventHook, type SocketIoShapes } from '../internals/socket-io.js'
import type { Cluster } from '../plugins/cluster.js'
import { SocketErrorCode } from '../errors.js'
import type { Ack, AckError, ClientToServerEvents, InterServerEvents, SendMessage, ServerToClientEvents, SocketData } from './events.js'
import { roomAllowed, roomNameProblem } from './rooms.js'

export type GatewayNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

const fail = (code: SocketErrorCode, message: string): AckError => ({ ok: false, error: { code, message } })
const unavailable = (message: string): AckError => ({ ok: false, error: { code: SocketErrorCode.Unavailable, message, retryable: true } })
type Reply = (res: Ack<{ id?: string }>) => void
const isFn = (v: unknown): v is Reply => typeof v === 'function'

/**
 * Socket.IO passes the ack last, whatever the client sent before it: `emitWithAck('room:join')`
 * hands the ack over as the first argument. Taking it from the end answers such a client with
 * an error instead of leaving it to time out.
 */
function split (args: unknown[]): [payload: unknown, reply: Reply | undefined] {
  const last = args.at(-1)
  if (!isFn(last)) return [args[0], undefined]
  return [args.length > 1 ? args[0] : undefined, last]
}

/** Checks a room name and the token's room patterns; undefined when the room may be joined. */
function joinProblem (socket: GatewaySocket, room: unknown, maxRooms: number): AckError | undefined {
  const problem = roomNameProblem(room, isSocketIdOf(socket.nsp))
  if (problem) return fail(SocketErrorCode.InvalidRoom, problem)
  if (!roomAllowed(socket.data.user.rooms, room as string)) {
    return fail(SocketErrorCode.RoomForbidden, `room "${room as string}" is not allowed by your token's rooms claim`)
  }
  // socket.rooms holds the socket's private room too; every room joined costs server memory.
  if (socket.rooms.size - 1 >= maxRooms && !socket.rooms.has(room as string)) {
    return fail(SocketErrorCode.TooManyRooms, `you are in ${maxRooms} rooms already, the most allowed; leave one first`)
  }
  return undefined
}

/** The rooms Socket.IO made for this node's sockets, one per socket id. */
const isSocketIdOf = (nsp: GatewayNamespace) => (room: string): boolean => nsp.adapter.sids.has(room)

function messageProblem (msg: unknown, maxLength: number): string | undefined {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'payload must be an object { content, room? }'
  const { content, room } = msg as Record<string, unknown>
  if (typeof content !== 'string') return `content must be a string, got ${content === null ? 'null' : typeof content}`
  if (content.trim() === '') return 'content must not be empty'
  if (content.length > maxLength) return `content is ${content.length} characters; expected at most ${maxLength}`
  if (room !== undefined) return roomNameProblem(room)
  return undefined
}

/** Closes the socket when its token expires; timers cap at ~24.8 days, so long waits re-arm. */
function expireAt (socket: GatewaySocket, expSeconds: number): void {
  const arm = (): void => {
    const left = expSeconds * 1000 - Date.now()
    const timer = setTimeout(() => {
      if (left > 2 ** 31 - 1) return arm()
      socket.emit('auth:expired', { code: SocketErrorCode.TokenExpired, message: 'Token expired: get a new token and reconnect' })
      // This namespace only: disconnect(true) would also end the client's other namespaces on
      // the same connection, whose tokens may still be good. The client closes the transport
      // itself once it has no namespace left.
      socket.disconnect()
    }, Math.max(0, Math.min(left, 2 ** 31 - 1)))
    timer.unref()
    socket.once('disconnect', () => clearTimeout(timer))
  }
  arm()
}

/** Node's EventEmitter#listenerCount with its second argument (Node ≥ 18.16), which Socket.IO's typings omit. */
interface ListenerCount { listenerCount: (event: unknown, listener: unknown) => number }

/** What message:send needs of the cluster: can it take a broadcast now, and did it take this one. */
export type ChatCluster = Pick<Cluster, 'connected' | 'handoff'>
/** Told of a refusal no ack carries (a message:send without one), so the metrics count it still. */
export type Unanswered = (event: string, code: SocketErrorCode) => void

export function serveChat (nsp: GatewayNamespace, config: Config, cluster: ChatCluster, shapes: Pick<SocketIoShapes, 'dispatch'>, unanswered: Unanswered = () => {}): void {
  const isSocketId = isSocketIdOf(nsp)
  // One listener function per event for every socket of the namespace (Socket.IO calls it with
  // the socket as `this`): a connected socket costs no closures here.
  function joinRoom (this: GatewaySocket, ...args: unknown[]): void {
    const [room, reply] = split(args)
    if (!reply) return
    const problem = joinProblem(this, room, config.maxRoomsPerSocket)
    if (problem) return reply(problem)
    this.join(room as string)
    reply({ ok: true })
  }

  function leaveRoom (this: GatewaySocket, ...args: unknown[]): void {
    const [room, reply] = split(args)
    if (!reply) return
    const problem = roomNameProblem(room, isSocketId)
    if (problem) return reply(fail(SocketErrorCode.InvalidRoom, problem))
    this.leave(room as string)
    reply({ ok: true })
  }

  function sendMessage (this: GatewaySocket, ...args: unknown[]): void {
    const [payload, reply] = split(args)
    const refuse = (res: AckError): void => {
      if (reply) reply(res)
      else unanswered('message:send', res.error.code)
    }
    const problem = messageProblem(payload, config.messageMaxLength)
    if (problem) return refuse(fail(SocketErrorCode.InvalidPayload, problem))
    const msg = payload as SendMessage
    const room = msg.room ?? config.defaultRoom
    if (!this.rooms.has(room)) {
      return refuse(fail(SocketErrorCode.NotInRoom, `you have not joined room "${room}"; send room:join first`))
    }
    // `ok` promises that every node got the message (docs/delivery.md). While the cluster
    // cannot take it, nothing is sent anywhere, so a retry cannot make a duplicate.
    if (!cluster.connected()) {
      return refuse(unavailable('the cluster cannot take messages now (its Redis is down or not answering); nothing was sent, retry shortly'))
    }
    const id = randomUUID()
    const author = this.data.user.id
    cluster.handoff(() => {
      nsp.to(room).emit('message:new', { id, author, content: msg.content, room, timestamp: Date.now() })
    }).then(() => reply?.({ ok: true, id }), () => {
      refuse(unavailable(`the cluster did not take message ${id} (Redis failed or did not answer in time): this node's clients got it, other nodes may not; retry shortly`))
    })
  }

  // Each listener goes on a socket with the first event of its name, before the middlewares and
  // listeners see that event: a socket that never sends one (most sockets of a gateway only
  // receive) keeps Socket.IO's small listener table (3 more names grow it from 160 to 448 bytes).
  const listeners = new Map<string, (...args: unknown[]) => void>([
    ['room:join', joinRoom], ['room:leave', leaveRoom], ['message:send', sendMessage]
  ])
  const listenOnFirstUse = clientEventHook(shapes, (socket, args) => {
    const listener = typeof args[0] === 'string' ? listeners.get(args[0]) : undefined
    // listenerCount(name, listener): only this listener, whatever the application added.
    if (listener !== undefined && (socket as unknown as ListenerCount).listenerCount(args[0], listener) === 0) socket.on(args[0] as never, listener as never)
  })

  nsp.on('connection', (socket) => {
    const { user } = socket.data
    if (user.exp !== undefined) expireAt(socket, user.exp)
    // A recovered socket already has its rooms back, and may have left the default one.
    if (!socket.recovered && roomAllowed(user.rooms, config.defaultRoom)) socket.join(config.defaultRoom)
    listenOnFirstUse(socket as unknown as Socket)
  })
}
