// ws's internals (src/internals/ws.ts), in the copy engine.io uses: a receiver holding part of a
// frame says how many bytes it holds. Fails when an update changes it.
import t from 'tap'
import { checkWs, heldBytes } from '../../src/internals/ws.js'

t.test('the installed ws passes the start-up check', async (t) => {
  t.equal(checkWs(), undefined)
})

t.test('a receiver without the field is unknown, not zero', async (t) => {
  t.equal(heldBytes({ _receiver: {} }), undefined)
  t.equal(heldBytes({}), undefined)
  t.equal(heldBytes({ _receiver: { _bufferedBytes: 5, _fragments: [Buffer.alloc(3)] } }), 8)
})
