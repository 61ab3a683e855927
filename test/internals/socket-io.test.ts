// socket.io internals (src/internals/socket-io.ts) against the installed socket.io: the shapes
// exist, dynamic namespaces find their parent, and without `dispatch` events count exact.
import t from 'tap'
import { Server, type Namespace } from 'socket.io'
import { checkSocketIoShapes, gateClientEvents, namespacesOf, parentNameOf } from '../../src/internals/socket-io.js'
import { connectClient, startGateway } from '../../src/testing.js'
import { versionOf } from '../../src/internals/resolve.js'
import { assertExact, startStack, trafficRun } from './stack.js'

t.test('the installed socket.io has _nsps, the dynamic namespaces\' parents and Socket#dispatch', async (t) => {
  t.same(checkSocketIoShapes(), { shapes: { dispatch: true, parents: true }, problems: [] }, `socket.io@${versionOf('socket.io')}`)
})

t.test('namespacesOf lists what io.of created; a dynamic child is named by its parent', async (t) => {
  // Never attached: nothing to close.
  const io = new Server()
  io.of('/chat')
  const byRegex = io.of(/^\/tenant-\d+$/)
  const byFunction = io.of((name, _auth, next) => { next(null, name.startsWith('/fn-')) })
  t.same([...namespacesOf(io).keys()].sort(), ['/', '/chat'])
  // Children are made when a client connects to them; built here as Socket.IO builds them.
  const child = (byRegex as unknown as { createChild: (name: string) => Namespace }).createChild('/tenant-7')
  const fnChild = (byFunction as unknown as { createChild: (name: string) => Namespace }).createChild('/fn-1')
  t.equal(parentNameOf(io, child), String(/^\/tenant-\d+$/))
  t.equal(parentNameOf(io, fnChild), byFunction.name)
  t.equal(parentNameOf(io, io.of('/chat')), undefined)
})

t.test('client events through dispatch and through the socket.use fallback count the same, exactly', async (t) => {
  for (const dispatch of [true, false]) {
    await t.test(dispatch ? 'Socket#dispatch' : 'fallback: socket.use()', async (t) => {
      const stack = await startStack(t, { socketIo: { dispatch } })
      await assertExact(t, stack, await trafficRun(t, stack))
    })
  }
})

t.test('a missing shape is a warning naming the package, its version and the fallback', async (t) => {
  const { checkInternals, guardInternals } = await import('../../src/internals/index.js')
  const Socket = (await import('socket.io')).Socket.prototype as unknown as { dispatch?: unknown }
  const dispatch = Socket.dispatch
  delete Socket.dispatch
  try {
    const { shapes, problems } = checkInternals()
    t.equal(shapes.socketIo.dispatch, false)
    const warnings: string[] = []
    guardInternals((_fields, message) => { warnings.push(message) })
    t.same(warnings, [`socket.io@${versionOf('socket.io')} no longer has Socket#dispatch; falling back: client events are counted in a socket.use() middleware`])
    t.equal(problems.length, 1)
  } finally {
    Socket.dispatch = dispatch
  }
})

t.test('gateClientEvents sees each event with its ack before any listener, and can drop it, with and without dispatch', async (t) => {
  for (const dispatch of [true, false]) {
    await t.test(dispatch ? 'Socket#dispatch' : 'fallback: socket.use()', async (t) => {
      const gw = await startGateway(t, { eventRate: 0 })
      const seen: unknown[][] = []
      const heard: string[] = []
      gw.io.of('/').on('connection', (socket) => {
        gateClientEvents({ dispatch }, (_socket, args) => {
          seen.push(args)
          return args[0] !== 'drop'
        })(socket)
        socket.on('keep' as never, (() => { heard.push('keep') }) as never)
        socket.on('drop' as never, (() => { heard.push('drop') }) as never)
      })
      const client = await connectClient(t, gw)
      const raw = client as unknown as { emit: (event: string) => void }
      raw.emit('drop')
      const ack = await client.timeout(1000).emitWithAck('message:send', { content: 'x' })
      raw.emit('keep')
      await new Promise((resolve) => setTimeout(resolve, 100))
      t.same(heard, ['keep'], 'the dropped event reached no listener')
      t.equal(seen[1]?.[0], 'message:send')
      t.equal(typeof seen[1]?.at(-1), 'function', 'the ack is last')
      t.match(ack, { ok: true })
    })
  }
})
