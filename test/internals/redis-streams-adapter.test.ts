// @socket.io/redis-streams-adapter internals (src/internals/redis-streams-adapter.ts) against
// the installed package, on the shared Redis with a prefix of its own: a live adapter has every
// member src/cluster wraps (test/cluster/ shows what the wrappers do), and one that lacks a
// member stops the start with the package's name and version.
import t from 'tap'
import { checkStreamsAdapterShapes, streamsAdapterInternals } from '../../src/internals/redis-streams-adapter.js'
import { connectClient, startGateway } from '../../src/testing.js'

const prefix = `sgtest-internals-${process.pid}-${Date.now()}`

t.test('a live adapter has every member the cluster code wraps, and they are wrapped on the instance', async (t) => {
  const gw = await startGateway(t, { redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: prefix, connectionRecovery: true })
  const adapter = gw.io.of('/').adapter
  t.same(checkStreamsAdapterShapes(adapter), [])
  t.ok(streamsAdapterInternals(adapter).nsp.server._opts.connectionStateRecovery, 'the server\'s options, through the public _opts getter')
  await connectClient(t, gw)
  t.equal(gw.io.of('/').sockets.size, 1, 'a client connects through it')
  t.ok(Object.hasOwn(adapter, 'addAll') && Object.hasOwn(adapter, 'del') && Object.hasOwn(adapter, 'persistSession'), 'wrapped on the instance')
  t.ok(Object.hasOwn(adapter, 'doPublish') && Object.hasOwn(adapter, 'onMessage'), 'message methods wrapped on the instance')
})

t.test('an adapter without a wrapped member is refused by name', async (t) => {
  const problems = checkStreamsAdapterShapes({ uid: 'x', doPublish () {}, onMessage () {} })
  t.match(problems, [{ package: '@socket.io/redis-streams-adapter', version: /^\d+\.\d+\.\d+$/, fatal: true, missing: 'doPublishResponse, onResponse, addAll, del, delAll, persistSession, close' }])
  t.throws(() => streamsAdapterInternals({}), /does not support the installed @socket\.io\/redis-streams-adapter@\d+\.\d+\.\d+: it no longer has doPublish/)
})
