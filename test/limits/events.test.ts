// The per-socket event rate limit (EVENT_RATE, EVENT_BURST, EVENT_RATE_LIMITS,
// EVENT_RATE_MAX_REFUSED) with real clients: over the limit an event is answered SG_RATE_LIMITED,
// a socket that keeps going is disconnected, and a neighbour keeps working throughout.
import t from 'tap'
import { connectClient, nextEvent, startGateway } from '../../src/testing.js'
import { scrape, value } from '../metrics/helpers.js'
import { limitCount } from './helpers.js'

type Ack = { ok: boolean, error?: { code: string, message: string } }

t.test('over its burst a socket gets SG_RATE_LIMITED, then is disconnected; its neighbour keeps working', async (t) => {
  const gw = await startGateway(t, { eventRate: 5, eventBurst: 10, eventRateMaxRefused: 20, eventRateCooldownMs: 700 })
  const flooder = await connectClient(t, gw)
  const neighbour = await connectClient(t, gw)
  // The burst passes; then refusals. All sent at once, so the bucket barely refills.
  const acks = await Promise.all(Array.from({ length: 15 }, (_v, i) => flooder.timeout(2000).emitWithAck('message:send', { content: `m${i}` }) as Promise<Ack>))
  const ok = acks.filter((a) => a.ok).length
  const limited = acks.filter((a) => a.error?.code === 'SG_RATE_LIMITED')
  t.ok(ok >= 10 && ok <= 11, `the burst (10) passes: ${ok} accepted`)
  t.equal(limited.length, 15 - ok, 'the rest are refused with SG_RATE_LIMITED')
  t.match(limited[0]?.error?.message, /retry in \d+ ms/, 'the message says when to retry')
  t.equal(await limitCount(gw, 'event_rate'), 15 - ok, 'each refusal counted as event_rate')
  t.equal(value(await scrape(gw), 'socketgate_events_refused_total', { namespace: '/', reason: 'rate limited' }), 15 - ok, 'and in events_refused_total')

  // The neighbour's own bucket is untouched.
  const mine = await neighbour.emitWithAck('message:send', { content: 'hello' }) as Ack
  t.ok(mine.ok, 'the neighbour is not limited')

  // Keep going without acks (dropped, counted): at 20 refusals within 10 s the socket is cut off.
  const disconnected = nextEvent(flooder, 'disconnect', 3000)
  for (let i = 0; i < 30; i++) flooder.emit('message:send', { content: `flood${i}` })
  await disconnected
  t.equal(await limitCount(gw, 'event_rate_disconnect'), 1, 'the disconnect counted as event_rate_disconnect')
  t.equal(gw.io.of('/').sockets.size, 1, 'only the neighbour is left')
  const after = await neighbour.emitWithAck('message:send', { content: 'still here' }) as Ack
  t.ok(after.ok, 'the neighbour still works')

  // Reconnecting at once does not buy a fresh burst: the address cools down first.
  const refused = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)
  t.equal(refused.status, 403, 'a new connection from the address is refused during the cooldown')
  t.match(await refused.text(), /cut off for sending events too fast \(EVENT_RATE\); retry in \d+ ms/)
  await new Promise((resolve) => setTimeout(resolve, 800))
  t.equal((await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)).status, 200, 'after it, the address connects again')
})

t.test('EVENT_RATE_LIMITS limits one event more tightly; others keep the socket-wide limit', async (t) => {
  const gw = await startGateway(t, { eventRate: 1000, eventBurst: 1000, eventRateLimits: 'room:join=1/2' })
  const client = await connectClient(t, gw)
  const joins = await Promise.all(['a', 'b', 'c', 'd'].map((r) => client.emitWithAck('room:join', r) as Promise<Ack>))
  t.same(joins.map((a) => a.ok), [true, true, false, false], 'two joins (the burst), then refused')
  t.match(joins[2]?.error, { code: 'SG_RATE_LIMITED', message: /"room:join"/ })
  const sends = await Promise.all(Array.from({ length: 20 }, () => client.emitWithAck('message:send', { content: 'x' }) as Promise<Ack>))
  t.ok(sends.every((a) => a.ok), 'message:send is not affected')
})

t.test('EVENT_RATE=0 turns the socket-wide limit off', async (t) => {
  const gw = await startGateway(t, { eventRate: 0, eventBurst: 1 })
  const client = await connectClient(t, gw)
  const acks = await Promise.all(Array.from({ length: 50 }, () => client.emitWithAck('message:send', { content: 'x' }) as Promise<Ack>))
  t.ok(acks.every((a) => a.ok))
})
