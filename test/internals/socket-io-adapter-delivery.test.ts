// socket.io-adapter internals (src/internals/socket-io-adapter-delivery.ts): the installed
// release writes broadcasts through _encode() and apply(), and the tap sees each local write once,
// with its packet and options, and not the other uses of apply(). Fails when an update changes it.
import t from 'tap'
import { Adapter } from 'socket.io-adapter'
import { deliveryShapeProblem, tapLocalDeliveries, type Packet } from '../../src/internals/socket-io-adapter-delivery.js'

t.test('the installed socket.io-adapter has the shape', async (t) => {
  t.equal(deliveryShapeProblem(), undefined)
})

t.test('the tap sees each broadcast\'s local write once, and no other apply()', async (t) => {
  // A namespace stand-in with the members the in-memory adapter reads.
  const written: string[] = []
  const socket = (id: string) => ({ id, acks: new Map(), client: { writeToEngine: () => { written.push(id) } }, join: () => {} })
  const sockets = new Map([['a', socket('a')], ['b', socket('b')]])
  const nsp = { name: '/', sockets, server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] }, opts: {} }, _ids: 0 }
  const adapter = new Adapter(nsp as never)
  adapter.addAll('a', new Set(['a', 'room']))
  adapter.addAll('b', new Set(['b']))
  const seen: Array<{ packet: Packet, rooms: string[], before: number, after: number }> = []
  tapLocalDeliveries(adapter, (packet, opts, write) => {
    const before = written.length
    write()
    seen.push({ packet, rooms: [...opts.rooms], before, after: written.length })
  })

  const packet = { type: 2, data: ['news', 1] }
  adapter.broadcast(packet, { rooms: new Set(), except: new Set() })
  adapter.broadcast({ type: 2, data: ['room-only'] }, { rooms: new Set(['room']), except: new Set() })
  let counted = -1
  adapter.broadcastWithAck({ type: 2, data: ['ask'] }, { rooms: new Set(), except: new Set(), flags: {} }, (n) => { counted = n }, () => {})
  // apply() for other uses: not a write.
  await adapter.fetchSockets({ rooms: new Set(), except: new Set() })
  adapter.addSockets({ rooms: new Set(), except: new Set() }, ['x'])

  t.equal(seen.length, 3, 'three writes')
  t.equal(seen[0]!.packet, packet, 'the packet object handed to broadcast()')
  t.same(seen.map((s) => s.after - s.before), [2, 1, 2], 'the write happens inside the hook')
  t.same(seen[1]!.rooms, ['room'])
  t.equal(counted, 2)
  t.same(written, ['a', 'b', 'a', 'a', 'b'])
})
