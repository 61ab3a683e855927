// engine.io internals (src/internals/engine-io.ts) against the installed engine.io: the shapes
// exist, a live connection has them, and each fallback keeps its figures exact.
import WebSocket from 'ws'
import t from 'tap'
import { checkEngineIoShapes, connectionId, OutboundQueues, websocketOf } from '../../src/internals/engine-io.js'
import { webSocketOf } from '../../src/limits/outbound.js'
import { startGateway } from '../../src/testing.js'
import { rawSocket } from '../limits/helpers.js'
import { versionOf } from '../../src/internals/resolve.js'
import { assertExact, shapesWith, startStack, trafficRun } from './stack.js'

t.test('the installed engine.io has writeBuffer, the websocket transport\'s socket and polling\'s shouldClose', async (t) => {
  t.same(checkEngineIoShapes(), { shapes: { writeBuffer: true, transportSocket: true, shouldClose: true }, problems: [] }, `engine.io@${versionOf('engine.io')}`)
})

t.test('a live connection: its transport\'s socket is a ws WebSocket, its writeBuffer an array', async (t) => {
  const stack = await startStack(t)
  await trafficRun(t, stack)
  const [conn] = stack.connections.list()
  t.ok(Array.isArray((conn as unknown as { writeBuffer: unknown }).writeBuffer))
  t.equal(websocketOf(conn!.transport, shapesWith().engineIo)?.constructor.name, WebSocket.name)
})

t.test('without the transport\'s socket, packets and bytes count exact from the public events', async (t) => {
  const stack = await startStack(t, { engineIo: { transportSocket: false } })
  await assertExact(t, stack, await trafficRun(t, stack))
})

t.test('without writeBuffer, the queue length kept from public events equals engine.io\'s own', async (t) => {
  const stack = await startStack(t)
  const fallback = new OutboundQueues(stack.io.engine, { writeBuffer: false })
  await trafficRun(t, stack)
  const [conn] = stack.connections.list()
  const [socket] = stack.io.of('/').sockets.values()
  const lengths: Array<[number, number]> = []
  // The transport takes the first; the others wait in the buffer until ws has written it.
  for (let i = 0; i < 10; i++) {
    socket!.emit('burst', i)
    lengths.push([fallback.length(conn!), stack.connections.queues.length(conn!)])
  }
  t.ok(lengths.some(([, own]) => own > 0), `packets were buffered (${JSON.stringify(lengths)})`)
  t.same(lengths.map(([kept]) => kept), lengths.map(([, own]) => own), 'same length after every emit')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(fallback.length(conn!), 0, 'empty once flushed')
})

t.test('the limits reach a live WebSocket\'s bufferedAmount and terminate(), and know its session id', async (t) => {
  const gw = await startGateway(t)
  await rawSocket(t, gw)
  const [conn] = gw.app.connections.list()
  const ws = webSocketOf(conn!.transport as unknown as { name: string }, { transportSocket: true })
  t.type(ws?.bufferedAmount, 'number')
  t.type(ws?.terminate, 'function')
  t.equal(webSocketOf(conn!.transport as unknown as { name: string }, { transportSocket: false }), undefined, 'without the shape: none')
  t.equal(connectionId(conn!), (gw.io.of('/').sockets.values().next().value?.conn as unknown as { id: string }).id)
  t.match(connectionId(conn!), /^[\w-]{20}$/)
})
