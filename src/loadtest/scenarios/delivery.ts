// delivery: did every message arrive, once, while the network misbehaves? Every client joins one
// room of this run; this process publishes numbered messages to it through the publish API
// (--publish-rate a second) and, with --cut-every S, cuts each client's connection every ~S
// seconds (± 50 %) through an in-process TCP proxy (src/loadtest/proxy.ts): `clean` (both sides
// see the close) or `half-open` (the server's side stays open and silent until its heartbeat
// times out, as after a WiFi hand-off). Clients reconnect as socket.io-client does by default and
// ask for connection state recovery (unless --no-recovery). Reports delivered %, duplicates,
// sessions recovered and not, how long a resume took and how late replayed messages arrived.
import { io, type Socket } from 'socket.io-client'
import { option, UsageError } from '../../cli/args.js'
import { CONNECT_TIMEOUT_MS, firstConnect, sleep, until } from '../clients.js'
import { CutProxy, TAG_PARAM, type CutMode } from '../proxy.js'
import { defineScenario } from '../scenario.js'

/** The event this scenario publishes. */
export const DELIVERY_EVENT = 'loadtest:delivery'
/** How long after the last publish the clients may take to get what they are owed. */
const SETTLE_MS = 15_000
const CONNECT_CONCURRENCY = 50

export interface DeliveryReport {
  clients: number
  /** Messages the publish API accepted. */
  published: number
  /** published × clients. */
  expected: number
  /** Distinct messages received, all clients together. */
  delivered: number
  /** Messages a client received more than once (each extra copy counted). */
  duplicates: number
  /** delivered / expected, in percent (two decimals). */
  deliveredPercent: number
  cuts: number
  /** Reconnections that got their session back (socket.recovered). */
  recovered: number
  /** Reconnections that started a new session (and joined the room again). */
  notRecovered: number
}

interface Member { socket: Socket, got: Set<number>, disconnectedAt?: number }

export default defineScenario({
  name: 'delivery',
  summary: 'numbered messages through the publish API while every client\'s connection is cut every --cut-every s (clean or half-open); delivered %, duplicates, recoveries',
  rate: { meaning: 'not used: --publish-rate sets the messages a second' },
  options: {
    'api-key': option.string('Bearer key of the publish API (publish, delivery): the gateway\'s PUBLISH_API_KEY', { env: 'PUBLISH_API_KEY', expected: 'the gateway\'s key' }),
    'publish-rate': option.positive('Numbered messages published a second to the clients\' room (delivery)', { default: 5 }),
    'cut-every': option.positive('Cut each client\'s connection every ~S seconds, ± 50 % (delivery; unset: no cuts)'),
    cut: option.oneOf(['clean', 'half-open'] as const, 'How a cut looks to the server: a TCP close, or a silent half-open connection (delivery)', { default: 'clean' }),
    'no-recovery': option.flag('Clients do not ask for connection state recovery (delivery): they join the room again after each reconnection')
  },
  primary: 'delivery',
  counters: { sent: 'published', received: 'delivered' },
  async run (ctx): Promise<DeliveryReport> {
    const { target, stats, run, options } = ctx
    const apiKey = options['api-key']
    if (apiKey === undefined) throw new UsageError('--scenario delivery needs the gateway\'s publish key: --api-key KEY or PUBLISH_API_KEY')
    const mode: CutMode = options.cut
    const room = `${target.roomPrefix}-${run}`
    const namespace = target.url.pathname === '/' || target.url.pathname === '' ? '/' : target.url.pathname
    const proxy = await CutProxy.listen({ host: target.url.hostname, port: Number(target.url.port || (target.url.protocol === 'https:' ? 443 : 80)) })
    const members: Member[] = []
    let duplicates = 0

    const join = async (m: Member): Promise<void> => {
      const ack = await m.socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck('room:join', room).catch(() => ({ ok: false })) as { ok?: boolean }
      if (ack.ok !== true) stats.error('room:join refused or timed out')
    }
    const connect = async (i: number): Promise<void> => {
      const socket = io(proxy.url + (namespace === '/' ? '' : namespace), {
        transports: [target.transport],
        forceNew: true,
        timeout: CONNECT_TIMEOUT_MS,
        query: { [TAG_PARAM]: `c${i}` },
        auth: { ...(target.token !== undefined ? { token: target.token } : { name: `delivery-${i}` }), ...(options['no-recovery'] ? {} : { recovery: true }) }
      })
      const m: Member = { socket, got: new Set() }
      // A resume's replay reaches the client before the CONNECT reply (the server writes it
      // first); socket.io-client buffers those events and hands them over just before it emits
      // `connect`. So a replayed event is one that arrives between a reconnection and `connect`.
      let reconnecting = false
      socket.on(DELIVERY_EVENT, (data: { run?: string, n?: number, at?: number }) => {
        if (data?.run !== run || typeof data.n !== 'number') return
        if (m.got.has(data.n)) {
          duplicates++
          stats.count('duplicates')
          return
        }
        m.got.add(data.n)
        stats.count('delivered')
        const late = Date.now() - (data.at ?? Date.now())
        stats.latency('delivery', late)
        if (reconnecting && socket.recovered) stats.latency('replay', late)
      })
      socket.on('disconnect', () => {
        m.disconnectedAt = Date.now()
        reconnecting = true
      })
      socket.on('connect', () => {
        reconnecting = false
        if (m.disconnectedAt === undefined) return
        if (socket.recovered) {
          stats.count('recovered')
          stats.latency('resume', Date.now() - m.disconnectedAt)
        } else {
          stats.count('not recovered')
          void join(m)
        }
      })
      const t0 = performance.now()
      try {
        await firstConnect(socket)
      } catch (err) {
        socket.close()
        stats.error(`connect ${(err as Error).message}`)
        return
      }
      stats.latency('connect', performance.now() - t0)
      stats.connected++
      await join(m)
      members.push(m)
    }
    let next = 0
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, target.clients) }, async () => {
      while (next < target.clients && !ctx.signal.aborted) await connect(next++)
    }))

    const published: number[] = []
    let inFlight = 0
    const endpoint = new URL('/api/v1/publish', target.url)
    const publish = (n: number): void => {
      inFlight++
      stats.count('published')
      const body = JSON.stringify({ namespace, room, event: DELIVERY_EVENT, data: { run, n, at: Date.now() } })
      fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body })
        .then(async (res) => {
          if (res.status === 200) published.push(n)
          else stats.error(`publish HTTP ${res.status}`)
          await res.body?.cancel()
        }, (err: Error) => { stats.error(`publish ${err.message}`) })
        .finally(() => { inFlight-- })
    }

    const cutEvery = options['cut-every']
    const timers: NodeJS.Timeout[] = []
    if (members.length > 0) {
      await ctx.phase('sending')
      if (cutEvery !== undefined) {
        members.forEach((_m, i) => {
          const schedule = (): void => {
            timers[i] = setTimeout(() => {
              if (proxy.cut(`c${i}`, mode) > 0) stats.count('cuts')
              schedule()
            }, cutEvery * 1000 * (0.5 + Math.random())).unref()
          }
          schedule()
        })
      }
      const period = 1000 / options['publish-rate']
      const start = performance.now()
      for (let n = 1; !ctx.signal.aborted && performance.now() - start < target.durationS * 1000; n++) {
        publish(n)
        await sleep(start + n * period - performance.now(), ctx.signal)
      }
      for (const timer of timers) clearTimeout(timer)
      await ctx.phase('settling')
      await until(() => inFlight === 0 && members.every((m) => published.every((n) => m.got.has(n))), SETTLE_MS)
    }
    await ctx.phase('done')
    for (const m of members) m.socket.close()
    await proxy.close()
    const delivered = members.reduce((sum, m) => sum + published.filter((n) => m.got.has(n)).length, 0)
    const expected = published.length * members.length
    return {
      clients: members.length,
      published: published.length,
      expected,
      delivered,
      duplicates,
      deliveredPercent: expected === 0 ? 0 : Math.floor((delivered / expected) * 10_000) / 100,
      cuts: stats.get('cuts'),
      recovered: stats.get('recovered'),
      notRecovered: stats.get('not recovered')
    }
  },
  problems: (r) => [
    ...(r.delivered < r.expected ? [`${r.expected - r.delivered} of ${r.expected} deliveries missing (${r.deliveredPercent} % delivered)`] : []),
    ...(r.duplicates > 0 ? [`${r.duplicates} duplicate deliveries`] : [])
  ],
  describe: (r) => [
    `${r.clients} clients, ${r.published} messages published: ${r.deliveredPercent.toFixed(2)} % delivered (${r.delivered} of ${r.expected}), ${r.duplicates} duplicates`,
    `${r.cuts} cuts: ${r.recovered} sessions recovered, ${r.notRecovered} not`
  ]
})
