// engine.io's internals (src/internals/engine.io.ts): its WebSocket transport keeps the ws socket
// as `socket`, and a live connection's transport hands out a ws with bufferedAmount and
// terminate(). Fails when an update changes it.
import t from 'tap'
import { checkEngineIo, webSocketOf } from '../../src/internals/engine.io.js'
import { startGateway } from '../../src/testing.js'
import { rawSocket } from '../limits/helpers.js'

t.test('the installed engine.io passes the start-up check', async (t) => {
  t.equal(checkEngineIo(), undefined)
})

t.test('a live WebSocket connection exposes its ws; polling has none', async (t) => {
  const gw = await startGateway(t)
  await rawSocket(t, gw)
  const [conn] = gw.app.connections.list()
  const ws = webSocketOf(conn!.transport as unknown as { name: string })
  t.ok(ws, 'found')
  t.equal(typeof ws!.bufferedAmount, 'number')
  t.equal(typeof ws!.terminate, 'function')
  t.equal(webSocketOf({ name: 'polling' }), undefined)
})
