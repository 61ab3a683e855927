// socket.io-adapter internals (src/internals/socket-io-adapter.ts) against the installed
// packages: socket.io still broadcasts through the adapter's two methods the counters wrap,
// and without them the gateway refuses to start, naming the package and version.
import t from 'tap'
import { Adapter } from 'socket.io-adapter'
import { guardInternals } from '../../src/internals/index.js'
import { checkSocketIoAdapterShapes } from '../../src/internals/socket-io-adapter.js'
import { versionOf } from '../../src/internals/resolve.js'
import { assertExact, startStack, trafficRun } from './stack.js'

t.test('the installed socket.io broadcasts through Adapter#broadcast and #broadcastWithAck', async (t) => {
  t.same(checkSocketIoAdapterShapes(), { problems: [] }, `socket.io-adapter@${versionOf('socket.io-adapter')}`)
})

t.test('broadcasts and their recipients count exact through the wrapped methods', async (t) => {
  const stack = await startStack(t)
  await assertExact(t, stack, await trafficRun(t, stack))
  // With an ack: the adapter reports the recipients.
  await stack.io.timeout(2000).emitWithAck('poll').catch(() => [])
  const s = await stack.scrape()
  t.equal(s.get('socketgate_broadcasts_total')?.values.find((v) => v.labels.namespace === '/')?.value, 2, 'two broadcasts')
})

t.test('without broadcastWithAck the gateway does not start, and says why', async (t) => {
  const proto = Adapter.prototype as unknown as { broadcastWithAck?: unknown }
  const saved = proto.broadcastWithAck
  delete proto.broadcastWithAck
  try {
    t.match(checkSocketIoAdapterShapes().problems, [{ package: 'socket.io-adapter', version: versionOf('socket.io-adapter'), fatal: true }])
    t.throws(() => guardInternals(() => {}), /does not support the installed Socket\.IO packages:\nsocket\.io-adapter@2\.\S+ no longer has Adapter#broadcast and #broadcastWithAck/)
  } finally {
    proto.broadcastWithAck = saved
  }
})
