// ws internals (the copy engine.io loads): the sender of a server-side WebSocket. The byte
// counters read each sent frame's length from the header ws has just written, in a wrapper of
// the sender's `sendFrame`, and its TCP socket's `writableLength` to spot slow clients. Neither
// is public API. And the receiver's `_bufferedBytes` (with a fragmented message's `_fragments`):
// the bytes of a message not yet complete, which the partial-message bound reads
// (src/limits/partial.ts; without it that bound is off on WebSocket). Without them the counters fall back to engine.io's public packet events
// (src/metrics/engine.ts), which count the same packets and bytes at a higher cost per packet.
// Written against ws 8.21; test/internals/ws.test.ts fails when an update changes a shape.
import { load, problem, isFunction, sourceHas, type ShapeProblem } from './resolve.js'

/** `list` is [header, payload] for every frame a server sends. */
export type SendFrame = (this: FrameSender, list: ReadonlyArray<Buffer | string>, cb?: unknown) => void
export interface FrameSender { sendFrame: SendFrame, _socket?: { writableLength?: unknown } }

interface ReceiverLike { _bufferedBytes?: unknown, _fragments?: unknown, write?: (b: Buffer) => void }
interface WsModule {
  Sender: { prototype: { sendFrame?: unknown }, new (socket: unknown): { _socket?: unknown } }
  Receiver?: new (opts: object) => ReceiverLike
  prototype: { setSocket?: unknown }
}

export interface WsShapes {
  /** A WebSocket's `_sender.sendFrame` and `_sender._socket.writableLength`. */
  frames: boolean
  /** A WebSocket's `_receiver._bufferedBytes`: the bytes held of a message not yet complete. */
  receiver: boolean
}

export function checkWsShapes (): { shapes: WsShapes, problems: ShapeProblem[] } {
  const ws = load<WsModule>('ws')
  const socket = {}
  const frames = isFunction(ws.Sender?.prototype.sendFrame) &&
    sourceHas(ws.prototype.setSocket, 'this._sender = ') &&
    new ws.Sender(socket)._socket === socket
  const receiver = sourceHas(ws.prototype.setSocket, 'this._receiver = ') && receiverCounts(ws.Receiver)
  const problems = frames
    ? []
    : [problem('ws', 'WebSocket#_sender, Sender#sendFrame or Sender#_socket', 'WebSocket bytes are counted from engine.io\'s packet events instead of ws\'s frame headers')]
  if (!receiver) problems.push(problem('ws', 'WebSocket#_receiver or Receiver#_bufferedBytes', 'PARTIAL_MESSAGE_TIMEOUT_MS does not apply to WebSocket messages (HTTP bodies still)'))
  return { shapes: { frames, receiver }, problems }
}

/** Feeds a receiver part of a frame: it must say it holds those bytes. */
function receiverCounts (Receiver: WsModule['Receiver']): boolean {
  try {
    if (!isFunction(Receiver)) return false
    const r = new Receiver({ isServer: true })
    // A masked text frame announcing 10 bytes, then 3 of them.
    r.write?.(Buffer.from([0x81, 0x8a, 1, 2, 3, 4, 0x61, 0x62, 0x63]))
    return (heldBytes(r) ?? 0) > 0
  } catch {
    return false
  }
}

/** Bytes a WebSocket's receiver (or a receiver itself) holds of a message not yet complete; undefined when not shaped as expected. */
export function heldBytes (wsOrReceiver: unknown): number | undefined {
  const r = ((wsOrReceiver as { _receiver?: ReceiverLike } | undefined)?._receiver ?? wsOrReceiver) as ReceiverLike | undefined
  if (typeof r?._bufferedBytes !== 'number') return undefined
  let held = r._bufferedBytes
  // The earlier frames of a fragmented message, kept until its last frame.
  if (Array.isArray(r._fragments)) for (const f of r._fragments as Buffer[]) held += f.length
  return held
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

/** Replaces `sender.sendFrame` by `wrap(original)`; returns how to put the original back. */
export function wrapSendFrame (sender: FrameSender, wrap: (original: SendFrame) => SendFrame): () => void {
  const original = replaceSendFrame(sender, wrap(sender.sendFrame))
  return () => { restoreSendFrame(sender, original) }
}
