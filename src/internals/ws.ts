// ws internals (the copy engine.io loads): the sender of a server-side WebSocket. The byte
// counters read each sent frame's length from the header ws has just written, in a wrapper of
// the sender's `sendFrame`, and its TCP socket's `writableLength` to spot slow clients. Neither
// is public API. Without them the counters fall back to engine.io's public packet events
// (src/metrics/engine.ts), which count the same packets and bytes at a higher cost per packet.
// Written against ws 8.21; test/internals/ws.test.ts fails when an update changes a shape.
import { load, problem, isFunction, sourceHas, type ShapeProblem } from './resolve.js'

/** `list` is [header, payload] for every frame a server sends. */
export type SendFrame = (this: FrameSender, list: ReadonlyArray<Buffer | string>, cb?: unknown) => void
export interface FrameSender { sendFrame: SendFrame, _socket?: { writableLength?: unknown } }

interface WsModule {
  Sender: { prototype: { sendFrame?: unknown }, new (socket: unknown): { _socket?: unknown } }
  prototype: { setSocket?: unknown }
}

export interface WsShapes {
  /** A WebSocket's `_sender.sendFrame` and `_sender._socket.writableLength`. */
  frames: boolean
}

export function checkWsShapes (): { shapes: WsShapes, problems: ShapeProblem[] } {
  const ws = load<WsModule>('ws')
  const socket = {}
  const frames = isFunction(ws.Sender?.prototype.sendFrame) &&
    sourceHas(ws.prototype.setSocket, 'this._sender = ') &&
    new ws.Sender(socket)._socket === socket
  const problems = frames
    ? []
    : [problem('ws', 'WebSocket#_sender, Sender#sendFrame or Sender#_socket', 'WebSocket bytes are counted from engine.io\'s packet events instead of ws\'s frame headers')]
  return { shapes: { frames }, problems }
}

/** The sender of a server-side WebSocket and its TCP socket, or undefined when not shaped as expected. */
export function frameSenderOf (ws: unknown): { sender: FrameSender, socket: { writableLength: number } } | undefined {
  const sender = (ws as { _sender?: FrameSender } | undefined)?._sender
  const socket = sender?._socket
  if (!sender || !isFunction(sender.sendFrame) || typeof socket?.writableLength !== 'number') return undefined
  return { sender, socket: socket as { writableLength: number } }
}

/** Puts `replacement` in place of `sender.sendFrame` (on the instance); returns the original. */
export function replaceSendFrame (sender: FrameSender, replacement: SendFrame): SendFrame {
  const original = sender.sendFrame
  sender.sendFrame = replacement
  return original
}

/** Undoes replaceSendFrame: back to `original` (the prototype's, when it was). */
export function restoreSendFrame (sender: FrameSender, original: SendFrame): void {
  if (Object.getPrototypeOf(sender)?.sendFrame === original) delete (sender as Partial<FrameSender>).sendFrame
  else sender.sendFrame = original
}
