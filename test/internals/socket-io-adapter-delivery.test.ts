// socket.io-adapter internals (src/internals/socket-io-adapter-delivery.ts): the installed
// release writes broadcasts through _encode() and apply(), and the tap sees each local write once,
// with its packet and options, and not the other uses of apply(). Fails when an update changes it.
import t from 'tap'
import { Adapter } from 'socket.io-adapter'
import { checkDeliveryShape, tapLocalDeliveries, type Packet } from '../../src/internals/socket-io-adapter-delivery.js'
import { versionOf } from '../../src/internals/resolve.js'
import { assertExact, startStack, trafficRun } from './stack.js'

t.test('the installed socket.io-adapter has the shape', async (t) => {
  t.same(checkDeliveryShape(), { shape: true, problems: [] })
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

t.test('without the shape the gateway warns, naming the package and version, and still counts exact on one node', async (t) => {
  const proto = Adapter.prototype as unknown as { _encode?: unknown }
  const saved = proto._encode
  delete proto._encode
  try {
    t.match(checkDeliveryShape(), { shape: false, problems: [{ package: 'socket.io-adapter', version: versionOf('socket.io-adapter'), missing: /_encode\(\) and apply\(\)/ }] })
    t.notOk(checkDeliveryShape().problems[0]!.fatal, 'a warning, not a refusal to start')
  } finally {
    proto._encode = saved
  }
  // The public path: deliveries counted as this node emits.
  const stack = await startStack(t, { adapterDelivery: false })
  await assertExact(t, stack, await trafficRun(t, stack))
  const s = await stack.scrape()
  t.equal(s.get('socketgate_deliveries_total')?.values.find((v) => v.labels.namespace === '/' && v.labels.origin === 'local')?.value, 1)
})

t.test('with the shape, a traffic run counts exact, its delivery and lag included', async (t) => {
  const stack = await startStack(t)
  await assertExact(t, stack, await trafficRun(t, stack))
  const s = await stack.scrape()
  t.equal(s.get('socketgate_deliveries_total')?.values.find((v) => v.labels.namespace === '/' && v.labels.origin === 'local')?.value, 1)
  t.equal(s.get('socketgate_delivery_lag_seconds')?.values.find((v) => v.metricName === 'socketgate_delivery_lag_seconds_count' && v.labels.origin === 'local')?.value, 1)
})
