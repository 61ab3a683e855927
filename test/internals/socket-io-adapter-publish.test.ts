// socket.io-adapter's ClusterAdapter, as the Redis streams adapter uses it, calls doPublish
// synchronously inside broadcast (src/internals/socket-io-adapter.ts): message:send's honest ack
// depends on it. Fails when an update changes that.
import { createRequire } from 'node:module'
import t from 'tap'
import { syncPublishProblem } from '../../src/internals/socket-io-adapter.js'

// The copy the streams adapter itself resolves, not whichever one happens to be hoisted.
const fromStreams = createRequire(createRequire(import.meta.url).resolve('@socket.io/redis-streams-adapter'))
const { ClusterAdapter } = fromStreams('socket.io-adapter') as { ClusterAdapter: new (...args: any[]) => object }
const version = (fromStreams('socket.io-adapter/package.json') as { version: string }).version

t.test(`socket.io-adapter ${version}: ClusterAdapter.broadcast calls doPublish before its first await`, async (t) => {
  t.equal(syncPublishProblem(ClusterAdapter), undefined)
})

t.test('an adapter that awaits before publishing is caught, with what is wrong', async (t) => {
  class Deferred extends (ClusterAdapter as any) {
    async broadcast (packet: unknown, opts: unknown): Promise<void> {
      await Promise.resolve()
      return super.broadcast(packet, opts)
    }
  }
  t.equal(syncPublishProblem(Deferred), 'Deferred.broadcast no longer calls doPublish synchronously')
  t.match(syncPublishProblem(class NoBroadcast {}), /NoBroadcast has no broadcast method/)
})
