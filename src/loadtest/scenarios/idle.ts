// idle: connections that only hold. Opens --clients connections (--rate new ones a second, or
// as fast as the server takes them), keeps them for --duration seconds, and counts what keeps
// them alive: the server's heartbeats (engine.io pings) each client answers. Works against any
// Socket.IO server; shows how many connections a server (or a load balancer) holds, what a
// connection costs it (with --metrics-url) and how long connecting takes under a ramp.
import { connectClients, sleep } from '../clients.js'
import { defineScenario } from '../scenario.js'

export interface IdleReport {
  connected: number
  /** Connections still open at the end of the hold. */
  held: number
  /** Heartbeats received from the server over the hold, every client together. */
  heartbeats: number
}

export default defineScenario({
  name: 'idle',
  summary: 'hold connections open and idle, answering the server\'s heartbeats; --rate paces new connections',
  rate: { meaning: 'new connections per second (unset: as fast as the server accepts them)' },
  options: {},
  primary: 'connect',
  counters: { sent: 'connects', received: 'heartbeats' },
  async run (ctx): Promise<IdleReport> {
    const { stats, target } = ctx
    const sockets = await connectClients(ctx, {
      perSecond: target.rate,
      setup: async (socket) => {
        stats.count('connects')
        socket.io.engine.on('ping', () => { if (stats.phase === 'sending') stats.count('heartbeats') })
        return true
      }
    })
    if (sockets.length > 0) {
      await ctx.phase('sending')
      await sleep(target.durationS * 1000, ctx.signal)
      await ctx.phase('settling')
    }
    const held = sockets.filter((s) => s.connected).length
    await ctx.phase('done')
    for (const s of sockets) s.close()
    return { connected: sockets.length, held, heartbeats: stats.get('heartbeats') }
  },
  problems: () => [],
  describe: (r) => [`held ${r.held} of ${r.connected} connections; ${r.heartbeats} heartbeats answered`]
})
