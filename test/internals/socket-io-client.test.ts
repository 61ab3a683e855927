// socket.io-client's internals that socketgate/client wraps (src/internals/socket-io-client.ts):
// the shape, and the behaviour the wrapper relies on, on a real connection: listeners get what
// the server emitted, and the client still resumes from the offset it stripped.
import t from 'tap'
import { clientShapeProblems } from '../../src/internals/socket-io-client.js'
import { createClient } from '../../src/client.js'
import { nextEvent, startGateway } from '../../src/testing.js'

t.test('the installed socket.io-client has the member socketgate/client wraps', async (t) => {
  t.same(clientShapeProblems(), [])
})

t.test('listeners get the arguments as emitted; the offset is still kept for the resume', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const client = createClient(gw.url, { transports: ['websocket'], reconnection: false, forceNew: true })
  t.teardown(() => { client.disconnect() })
  const anyArgs: unknown[][] = []
  client.onAny((...args) => { anyArgs.push(args) })
  const [ready] = await nextEvent<[unknown, unknown?]>(client, 'session:ready').then((a) => [a])
  t.same(ready, [{ id: client.id }], 'session:ready without its offset')
  t.same(anyArgs, [['session:ready', { id: client.id }]], 'onAny too')
  const kept = (client as unknown as { _lastOffset?: string })._lastOffset
  t.type(kept, 'string', 'the offset is recorded')
  t.ok(kept!.length > 0)
})
