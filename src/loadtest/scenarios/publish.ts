// publish: socketgate's HTTP publish API, as a backend loads it. Clients in rooms of --room-size
// listen; this process POSTs --rate events a second in all to /api/v1/publish, one room after
// another, and checks every member of the room gets each one. Measures the HTTP request and the
// request → delivery time (one clock: the publisher and the receivers live in this process).
import type { Socket } from 'socket.io-client'
import { option, UsageError } from '../../cli/args.js'
import { connectClients, sleep, SETTLE_TIMEOUT_MS, until } from '../clients.js'
import { defineScenario } from '../scenario.js'

/** The event this scenario publishes; its name carries no meaning for the gateway. */
export const PUBLISH_EVENT = 'loadtest:publish'
/** How often the publisher looks whether requests are due (the rate is kept on average). */
const TICK_MS = 10

export interface PublishReport {
  rooms: number
  requests: number
  accepted: number
  /** Sum of the `recipients` the API answered (this node's sockets, per request). */
  recipientsReported: number
  expectedDeliveries: number
  delivered: number
}

export default defineScenario({
  name: 'publish',
  summary: 'POST /api/v1/publish to the rooms of connected clients (needs the gateway\'s PUBLISH_API_KEY); deliveries checked',
  rate: { meaning: 'publish requests per second, all rooms together', default: 10 },
  options: {
    'api-key': option.string('Bearer key of the publish API (publish scenario): the gateway\'s PUBLISH_API_KEY', { env: 'PUBLISH_API_KEY', expected: 'the gateway\'s key' })
  },
  primary: 'delivery',
  counters: { sent: 'requests', received: 'delivered' },
  async run (ctx): Promise<PublishReport> {
    const { target, stats, run, options } = ctx
    const apiKey = options['api-key']
    if (apiKey === undefined) throw new UsageError('--scenario publish needs the gateway\'s publish key: --api-key KEY or PUBLISH_API_KEY')
    const endpoint = new URL('/api/v1/publish', target.url)
    const namespace = target.url.pathname === '' ? '/' : target.url.pathname
    const roomSizes = new Map<string, number>()
    const members: Socket[] = []

    await connectClients(ctx, {
      setup: async (socket, i) => {
        const room = `${target.roomPrefix}-${run}-${Math.floor(i / target.roomSize)}`
        socket.on(PUBLISH_EVENT, (data: { run?: string, at?: number }) => {
          if (data?.run !== run || typeof data.at !== 'number') return
          stats.count('delivered')
          stats.latency('delivery', performance.now() - data.at)
        })
        const joined = await socket.timeout(SETTLE_TIMEOUT_MS).emitWithAck('room:join', room)
          .catch(() => ({ ok: false, error: { code: 'timeout' } })) as { ok: boolean, error?: { code: string } }
        if (!joined.ok) {
          stats.error(`room:join ${joined.error?.code ?? 'refused'}`)
          return false
        }
        members.push(socket)
        roomSizes.set(room, (roomSizes.get(room) ?? 0) + 1)
        return true
      }
    })

    const rooms = [...roomSizes.keys()]
    let expected = 0
    let recipients = 0
    let inFlight = 0
    const publish = (room: string): void => {
      const at = performance.now()
      stats.count('requests')
      inFlight++
      const body = JSON.stringify({ namespace, room, event: PUBLISH_EVENT, data: { run, at, pad: 'x'.repeat(Math.max(0, target.bytes - 64)) } })
      fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body })
        .then(async (res) => {
          const answer = await res.json().catch(() => ({})) as { ok?: boolean, recipients?: number, error?: { code?: string } }
          if (res.status !== 200 || answer.ok !== true) return stats.error(`publish HTTP ${res.status}${answer.error?.code ? ` ${answer.error.code}` : ''}`)
          stats.count('accepted')
          stats.latency('publish', performance.now() - at)
          recipients += answer.recipients ?? 0
          expected += roomSizes.get(room)!
        }, (err: Error) => { stats.error(`publish ${err.message}`) })
        .finally(() => { inFlight-- })
    }

    if (rooms.length > 0) {
      await ctx.phase('sending')
      const rate = target.rate ?? 10
      const start = performance.now()
      let next = 0
      while (!ctx.signal.aborted && performance.now() - start < target.durationS * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate)
        while (next < due) publish(rooms[next++ % rooms.length]!)
        await sleep(TICK_MS, ctx.signal)
      }
      await ctx.phase('settling')
      await until(() => inFlight === 0 && stats.get('delivered') >= expected)
    }
    await ctx.phase('done')
    for (const s of members) s.close()
    return {
      rooms: rooms.length,
      requests: stats.get('requests'),
      accepted: stats.get('accepted'),
      recipientsReported: recipients,
      expectedDeliveries: expected,
      delivered: stats.get('delivered')
    }
  },
  problems: (r) => r.delivered < r.expectedDeliveries ? [`${r.expectedDeliveries - r.delivered} of ${r.expectedDeliveries} deliveries missing`] : [],
  describe: (r) => [
    `${r.rooms} rooms; ${r.requests} publish requests, ${r.accepted} accepted (recipients reported: ${r.recipientsReported}); delivered ${r.delivered} of ${r.expectedDeliveries}`
  ]
})
