// ws's internals the gateway relies on: how many bytes a WebSocket's receiver holds of a message
// not yet complete (its `_receiver._bufferedBytes`, and the `_fragments` of a fragmented
// message). The partial-message bound reads it to cut off a client that sends most
// of a large frame and then stalls. Checked at start-up by `checkWs` (test/internals/ws.test.ts
// fails when an update changes it). Written against ws 8.
import { createRequire } from 'node:module'

interface ReceiverLike { _bufferedBytes?: unknown, _fragments?: unknown }

let shapeOk = true

/** Bytes `ws` holds of an incomplete message; undefined when the shape is unknown (the bound is then off). */
export function heldBytes (ws: { _receiver?: unknown }): number | undefined {
  if (!shapeOk) return undefined
  const r = ws._receiver as ReceiverLike | undefined
  if (!r || typeof r._bufferedBytes !== 'number') return undefined
  let held = r._bufferedBytes
  // The earlier frames of a fragmented message, kept until its last frame.
  if (Array.isArray(r._fragments)) for (const f of r._fragments as Buffer[]) held += f.length
  return held
}

// The ws engine.io uses (it may carry its own copy, of another version than the gateway's).
const engineRequire = createRequire(createRequire(import.meta.url).resolve('engine.io'))

export function wsVersion (): string {
  try {
    return (engineRequire('ws/package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** Feeds a receiver half a frame and checks that it says so; undefined when it does, else what is wrong. */
export function checkWs (): string | undefined {
  let problem: string | undefined
  try {
    // ws exports its Receiver class; @types/ws does not declare it.
    const Receiver = (engineRequire('ws') as { Receiver: new (opts: object) => ReceiverLike & { write: (b: Buffer) => void } }).Receiver
    const r = new Receiver({ isServer: true })
    // A masked text frame header announcing 10 bytes, then 3 of them.
    r.write(Buffer.from([0x81, 0x8a, 1, 2, 3, 4, 0x61, 0x62, 0x63]))
    const held = heldBytes({ _receiver: r })
    if (held === undefined || held <= 0) problem = 'ws\'s Receiver no longer counts the bytes it holds as `_bufferedBytes`'
  } catch (err) {
    problem = `feeding ws's Receiver failed: ${(err as Error).message}`
  }
  shapeOk = problem === undefined
  return problem && `ws ${wsVersion()}: ${problem}`
}
