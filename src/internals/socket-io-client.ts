// socket.io-client's internals that `socketgate/client` relies on: its Socket hands every event
// it receives to `emitEvent(args)`, which calls the listeners and then remembers the last string
// argument as the session offset (`_lastOffset`) when the server granted recovery (`_pid`).
// socketgate/client strips that offset before the listeners see it, so they get exactly the
// arguments the server emitted. Checked when a client is created: a missing member throws with
// the package's version (test/internals/socket-io-client.test.ts fails first when an update
// changes them). Written against socket.io-client 4.8.
import { Socket } from 'socket.io-client'

interface EventSink {
  emitEvent: (args: unknown[]) => void
  _pid?: string
  _lastOffset?: string
}

/** What is missing; empty when the shape is the expected one. */
export function clientShapeProblems (): string[] {
  const emitEvent = (Socket.prototype as unknown as Partial<EventSink>).emitEvent
  if (typeof emitEvent !== 'function') return ['Socket.prototype.emitEvent is missing']
  if (emitEvent.length !== 1) return [`Socket.prototype.emitEvent takes ${emitEvent.length} parameters, expected 1`]
  return []
}

/**
 * Makes `socket` hand its listeners each event without the session offset, which it still
 * records for its next resume. The gateway sends no volatile event, so with recovery granted
 * every ack-less event ends with its offset (an event with an ack ends with the ack function).
 */
export function stripOffsets (socket: object): void {
  const problems = clientShapeProblems()
  if (problems.length > 0) throw new Error(`socket.io-client: ${problems.join('; ')}; socketgate/client needs socket.io-client 4.8`)
  const sink = socket as EventSink
  const emitEvent = sink.emitEvent
  sink.emitEvent = function (this: EventSink, args) {
    const last = args[args.length - 1]
    if (this._pid === undefined || typeof last !== 'string') return emitEvent.call(this, args)
    emitEvent.call(this, args.slice(0, -1))
    this._lastOffset = last
  }
}
