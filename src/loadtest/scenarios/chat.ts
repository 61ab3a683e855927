// chat: socketgate's own protocol, as users load it. Clients in rooms of --room-size, each
// sending --rate message:send a second; every member of a room is owed every message of its room,
// the sender included. Measures the message:send ack and the send → message:new delivery (one
// clock: sender and receivers live in this process), and counts deliveries against what the
// rooms imply.
import type { Socket } from 'socket.io-client'
import type { Ack } from '../../realtime/events.js'
import { connectClients, padded, sendEvery, SETTLE_TIMEOUT_MS, until } from '../clients.js'
import { defineScenario } from '../scenario.js'

export interface ChatReport {
  rooms: number
  sent: number
  acked: number
  expectedDeliveries: number
  delivered: number
}

interface Member { socket: Socket, room: string }

export default defineScenario({
  name: 'chat',
  summary: 'socketgate\'s chat protocol: room:join, then message:send with acks; deliveries to every room member checked',
  rate: { meaning: 'messages per client per second', default: 1 },
  options: {},
  primary: 'delivery',
  counters: { sent: 'sent', received: 'delivered' },
  async run (ctx): Promise<ChatReport> {
    const { target, stats, run } = ctx
    const mark = `load:${run}:`
    const roomSizes = new Map<string, number>()
    let expected = 0

    const members: Member[] = []
    await connectClients(ctx, {
      setup: async (socket, i) => {
        const room = `${target.roomPrefix}-${run}-${Math.floor(i / target.roomSize)}`
        socket.on('message:new', (msg: { content?: unknown }) => {
          if (typeof msg?.content !== 'string' || !msg.content.startsWith(mark)) return
          stats.count('delivered')
          stats.latency('delivery', performance.now() - Number(msg.content.slice(mark.length, msg.content.indexOf(' '))))
        })
        const joined = await socket.timeout(SETTLE_TIMEOUT_MS).emitWithAck('room:join', room)
          .catch(() => ({ ok: false, error: { code: 'timeout' } })) as Ack
        if (!joined.ok) {
          stats.error(`room:join ${joined.error.code}`)
          return false
        }
        members.push({ socket, room })
        roomSizes.set(room, (roomSizes.get(room) ?? 0) + 1)
        return true
      }
    })

    const send = (m: Member): void => {
      // A client the gateway dropped (it does not reconnect) has nothing to send through.
      if (!m.socket.connected) return
      const at = performance.now()
      stats.count('sent')
      // Every connected member of the room is owed this message, the sender included.
      expected += roomSizes.get(m.room)!
      m.socket.timeout(SETTLE_TIMEOUT_MS).emitWithAck('message:send', { content: padded(`${mark}${at.toFixed(3)} `, target.bytes), room: m.room })
        .then((res: Ack<{ id: string }>) => {
          if (!res.ok) return stats.error(`message:send ${res.error.code}`)
          stats.count('acked')
          stats.latency('ack', performance.now() - at)
        }, () => { stats.error('message:send timeout') })
    }

    if (members.length > 0) {
      await ctx.phase('sending')
      await sendEvery(ctx, members, target.rate ?? 1, target.durationS, send)
      await ctx.phase('settling')
      await until(() => stats.get('acked') + stats.errorsOf('message:send') >= stats.get('sent') && stats.get('delivered') >= expected)
    }
    await ctx.phase('done')
    for (const m of members) m.socket.close()
    return { rooms: roomSizes.size, sent: stats.get('sent'), acked: stats.get('acked'), expectedDeliveries: expected, delivered: stats.get('delivered') }
  },
  problems: (r) => r.delivered < r.expectedDeliveries ? [`${r.expectedDeliveries - r.delivered} of ${r.expectedDeliveries} deliveries missing`] : [],
  describe: (r) => [
    `${r.rooms} rooms; sent ${r.sent} messages, ${r.acked} acked; delivered ${r.delivered} of ${r.expectedDeliveries}`
  ]
})

