// echo: round trips against any Socket.IO server with an echo handler. Each client emits
// --event (default "echo") with a payload and an ack, --rate times a second; the server must
// call the ack with the payload it got, as bench/echo-server.ts does:
//   socket.on('echo', (data, ack) => ack(data))
// socketgate itself has no such handler (its protocol is chat's): point echo at your own
// server, or at a gateway you added the handler to.
import type { Socket } from 'socket.io-client'
import { option } from '../../cli/args.js'
import { connectClients, padded, sendEvery, SETTLE_TIMEOUT_MS, until } from '../clients.js'
import { defineScenario } from '../scenario.js'

export interface EchoReport {
  event: string
  sent: number
  acked: number
  /** Acks whose payload was not the one sent. */
  mismatched: number
}

export default defineScenario({
  name: 'echo',
  summary: 'emit EVENT with an ack to any Socket.IO server whose handler acks the payload back: socket.on(\'echo\', (data, ack) => ack(data))',
  rate: { meaning: 'events per client per second', default: 1 },
  options: {
    event: option.string('Event the server echoes through its ack (echo scenario)', { default: 'echo', expected: 'an event name' })
  },
  primary: 'echo',
  counters: { sent: 'sent', received: 'acked' },
  async run (ctx): Promise<EchoReport> {
    const { target, stats, options } = ctx
    let mismatched = 0
    const sockets = await connectClients(ctx)
    const send = (socket: Socket): void => {
      if (!socket.connected) return
      const at = performance.now()
      const payload = padded(`${ctx.run}:${at.toFixed(3)} `, target.bytes)
      stats.count('sent')
      socket.timeout(SETTLE_TIMEOUT_MS).emitWithAck(options.event, payload).then((back: unknown) => {
        stats.count('acked')
        stats.latency('echo', performance.now() - at)
        if (back !== payload) {
          mismatched++
          stats.error(`${options.event} ack is not the payload`)
        }
      }, () => { stats.error(`${options.event} timeout`) })
    }
    if (sockets.length > 0) {
      await ctx.phase('sending')
      await sendEvery(ctx, sockets, target.rate ?? 1, target.durationS, send)
      await ctx.phase('settling')
      await until(() => stats.get('acked') + stats.errorsOf(`${options.event} timeout`) >= stats.get('sent'))
    }
    await ctx.phase('done')
    for (const s of sockets) s.close()
    return { event: options.event, sent: stats.get('sent'), acked: stats.get('acked'), mismatched }
  },
  problems: () => [],
  describe: (r) => [`sent ${r.sent} "${r.event}" events, ${r.acked} acked${r.mismatched > 0 ? `, ${r.mismatched} with another payload` : ''}`]
})
