// socket.io-adapter's internals that per-client recovery wraps (src/internals/socket-io-adapter-recovery.ts)
// have the expected shape in the installed version, and do what src/recovery/delivery.ts assumes:
// a broadcast calls `_encode` once, then `apply` once, synchronously, and hands each recipient
// the encoding through `socket.client.writeToEngine`.
import t from 'tap'
import { Adapter } from 'socket.io-adapter'
import { adapterShapeProblems, checkAdapterShape } from '../../src/internals/socket-io-adapter-recovery.js'

t.test('the installed socket.io-adapter has the members per-client recovery wraps', async (t) => {
  t.same(adapterShapeProblems(), [])
  t.doesNotThrow(() => checkAdapterShape())
})

t.test('broadcast encodes once, then applies once, in one synchronous call, and writes through writeToEngine', async (t) => {
  const calls: string[] = []
  const writes: unknown[][] = []
  const socket = { id: 's1', client: { writeToEngine: (encoded: unknown[]) => { calls.push('write'); writes.push(encoded) } } }
  const nsp = { name: '/', sockets: new Map([['s1', socket]]), server: { encoder: { encode: (p: { data: unknown[] }) => [JSON.stringify(p.data)] } } }
  const real = new Adapter(nsp as never)
  real.addAll('s1', new Set(['s1', 'room']))
  type Fn = (...a: unknown[]) => unknown
  const adapter = real as unknown as { _encode: Fn, apply: Fn }
  const { _encode, apply } = adapter
  adapter._encode = function (...a: unknown[]) { calls.push('encode'); return _encode.apply(this, a) }
  adapter.apply = function (...a: unknown[]) { calls.push('apply'); return apply.apply(this, a) }
  real.broadcast({ type: 2, data: ['ev', 1] } as never, { rooms: new Set(['room']), except: new Set() })
  t.same(calls, ['encode', 'apply', 'write'])
  t.same(writes, [['["ev",1]']])
})
