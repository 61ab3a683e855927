// Socket.IO's internals (src/internals/socket.io.ts): every client event passes through
// Socket#dispatch as [event, ...args, ack]. Fails when an update changes it.
import t from 'tap'
import { checkSocketIo, interceptEvents } from '../../src/internals/socket.io.js'
import { connectClient, startGateway } from '../../src/testing.js'

t.test('the installed socket.io passes the start-up check', async (t) => {
  t.equal(checkSocketIo(), undefined)
})

t.test('the gate sees each event with its ack, before any listener, and can drop it', async (t) => {
  const gw = await startGateway(t, { eventRate: 0 })
  const seen: unknown[][] = []
  const heard: string[] = []
  gw.io.of('/').on('connection', (socket) => {
    interceptEvents(socket, (packet) => {
      seen.push(packet)
      return packet[0] !== 'drop'
    })
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
