// ws internals (src/internals/ws.ts), against the copy of ws engine.io loads: the shapes exist,
// a live connection's sender is reachable, and without them the byte counters still count exact.
import t from 'tap'
import { checkWsShapes, frameSenderOf, heldBytes } from '../../src/internals/ws.js'
import { websocketOf } from '../../src/internals/engine-io.js'
import { versionOf } from '../../src/internals/resolve.js'
import { assertExact, shapesWith, startStack, trafficRun } from './stack.js'

t.test('the installed ws has the sender shapes the frame counters read', async (t) => {
  t.same(checkWsShapes(), { shapes: { frames: true, receiver: true }, problems: [] }, `ws@${versionOf('ws')}`)
})

t.test('a live WebSocket connection exposes its sender and TCP socket', async (t) => {
  const stack = await startStack(t)
  await trafficRun(t, stack)
  const [conn] = stack.connections.list()
  const frames = frameSenderOf(websocketOf(conn!.transport, shapesWith().engineIo))
  t.ok(frames, 'sender found')
  t.type(frames!.socket.writableLength, 'number')
})

t.test('frame counters and their fallback (engine.io packet events) count the same, exactly', async (t) => {
  for (const frames of [true, false]) {
    await t.test(frames ? 'ws frame headers' : 'fallback: packet events', async (t) => {
      const stack = await startStack(t, { ws: { frames } })
      await assertExact(t, stack, await trafficRun(t, stack))
    })
  }
})

t.test('a receiver says how many bytes it holds of an unfinished message; an unknown shape is unknown, not 0', async (t) => {
  t.equal(heldBytes({ _receiver: { _bufferedBytes: 5, _fragments: [Buffer.alloc(3)] } }), 8)
  t.equal(heldBytes({ _receiver: {} }), undefined)
  t.equal(heldBytes(undefined), undefined)
})
