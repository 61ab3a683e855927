// CONNECTION_RECOVERY=auto (the default) on the raw wire: a client that does not ask for recovery
// sees the plain Socket.IO v5 protocol byte for byte (CONNECT reply `{ sid }`, no offset argument
// on any event, broadcast or direct); a client that asks gets its pid and the offsets.
import t from 'tap'
import { startGateway } from '../../src/testing.js'
import { SHARED_REDIS, uniquePrefix, waitFor } from '../cluster/helpers.js'
import { rawPolling, rawWebSocket, type RawClient } from './wire.js'

const EVENT = (p: string): boolean => p.startsWith('2[')
const args = (packet: string): unknown[] => JSON.parse(packet.slice(1)) as unknown[]

for (const [transport, open] of [['websocket', rawWebSocket], ['polling', rawPolling]] as const) {
  t.test(`over ${transport}, with the default CONNECTION_RECOVERY=auto, only the client that asks gets recovery`, async (t) => {
    const gw = await startGateway(t)
    t.equal(gw.config.connectionRecovery, 'auto')

    const plain: RawClient = await open(t, gw.url)
    await plain.send('0{"name":"plain"}')
    const plainConnect = await plain.next()
    t.match(plainConnect, /^0\{"sid":"[\w-]+"\}$/, 'CONNECT reply is { sid } only')
    const plainSid = (JSON.parse(plainConnect.slice(1)) as { sid: string }).sid

    const asking: RawClient = await open(t, gw.url)
    await asking.send('0{"name":"asking","recovery":true}')
    const askingConnect = await asking.next()
    t.match(askingConnect, /^0\{"sid":"[\w-]+","pid":"[\w-]+"\}$/, 'CONNECT reply carries the pid')
    const ready = args(await asking.next(EVENT))
    t.equal(ready[0], 'session:ready')
    t.type(ready[2], 'string', 'session:ready carries the offset')

    // A broadcast to the default room, which both joined.
    await asking.send('21["message:send",{"content":"to everyone"}]')
    const toAsking = args(await asking.next((p) => p.includes('to everyone')))
    t.match(await asking.next((p) => p.startsWith('3')), /^31\[\{"ok":true,"id":"[\w-]+"\}\]$/, 'the ack carries no offset')
    const toPlain = await plain.next((p) => p.includes('to everyone'))
    t.equal(toAsking.length, 3, 'the asking client gets the offset as a last argument')
    t.type(toAsking[2], 'string')
    t.equal(args(toPlain).length, 2, 'the plain client gets the event and its payload only')
    t.same(args(toPlain), toAsking.slice(0, 2), 'the same event otherwise')

    // A direct emit, which with recovery on goes through the adapter too.
    gw.io.of('/').sockets.get(plainSid)!.emit('session:ready', { id: 'direct' })
    t.equal(await plain.next(EVENT), '2["session:ready",{"id":"direct"}]')
    t.same(plain.packets, [], 'nothing else reached the plain client (no session:ready at connect)')
  })
}

t.test('with CONNECTION_RECOVERY=true every client gets the pid and the offsets', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const plain = await rawWebSocket(t, gw.url)
  await plain.send('0')
  t.match(await plain.next(), /^0\{"sid":"[\w-]+","pid":"[\w-]+"\}$/)
  t.equal(args(await plain.next(EVENT)).length, 3, 'session:ready with its offset')
})

t.test('with CONNECTION_RECOVERY=false no client gets a pid, even one that asks', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: false })
  const asking = await rawWebSocket(t, gw.url)
  await asking.send('0{"recovery":true}')
  t.match(await asking.next(), /^0\{"sid":"[\w-]+"\}$/)
  await asking.send('2["message:send",{"content":"x"}]')
  t.equal(await asking.next(EVENT).then(args).then((a) => a.length), 2)
})

t.test('clustered (REDIS_URL), a broadcast from another node reaches a plain client without the offset, and an asking one with it', async (t) => {
  const options = { redisUrl: SHARED_REDIS, redisKeyPrefix: uniquePrefix(), clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1000, adminUi: false }
  const a = await startGateway(t, { ...options, nodeId: 'wire-a' })
  const b = await startGateway(t, { ...options, nodeId: 'wire-b' })
  await waitFor('both nodes to see each other', () => a.app.cluster.nodes().length === 2 && b.app.cluster.nodes().length === 2 ? true : undefined)
  const plain = await rawWebSocket(t, b.url)
  await plain.send('0')
  t.match(await plain.next(), /^0\{"sid":"[\w-]+"\}$/)
  const asking = await rawWebSocket(t, b.url)
  await asking.send('0{"recovery":true}')
  t.match(await asking.next(), /^0\{"sid":"[\w-]+","pid":"[\w-]+"\}$/)
  const ready = args(await asking.next(EVENT))
  t.match(ready[2], /^\d+-\d+$/, 'the offset is a stream id')
  const sender = await rawWebSocket(t, a.url)
  await sender.send('0')
  await sender.next()
  await sender.send('21["message:send",{"content":"from node a"}]')
  const toPlain = args(await plain.next((p) => p.includes('from node a')))
  const toAsking = args(await asking.next((p) => p.includes('from node a')))
  t.equal(toPlain.length, 2, 'plain: the event and its payload')
  t.equal(toAsking.length, 3, 'asking: and the offset')
  t.match(toAsking[2], /^\d+-\d+$/)
  const own = args(await sender.next((p) => p.includes('from node a')))
  t.equal(own.length, 2, 'the plain sender on node A gets its own broadcast without the offset too')
})

t.test('the single node keeps a broadcast for resumes only while a client could ask for it', async (t) => {
  const gw = await startGateway(t)
  const nsp = gw.io.of('/')
  const kept = (): number => (nsp.adapter as unknown as { buffered: number }).buffered
  const broadcast = (n: number): void => { nsp.to('chat-general').emit('message:new', { n } as never) }

  const plain = await rawWebSocket(t, gw.url)
  await plain.send('0')
  await plain.next()
  broadcast(1)
  await plain.next(EVENT)
  t.equal(kept(), 0, 'no client asked for recovery: nothing kept')

  const asking = await rawWebSocket(t, gw.url)
  await asking.send('0{"recovery":true}')
  await asking.next()
  await asking.next(EVENT)
  broadcast(2)
  await asking.next(EVENT)
  t.equal(kept(), 2, 'one client asked: its session:ready and the broadcast are kept')

  asking.close()
  await waitFor('the asking socket gone', () => nsp.sockets.size === 1 ? true : undefined)
  broadcast(3)
  await plain.next((p) => p.includes('"n":3'))
  t.equal(kept(), 3, 'its session is saved: what it misses is kept for its resume')
})
