// Memory under N slow consumers against the slow-consumer cap (OUTBOUND_BUFFER_MAX_BYTES, issue
// 17). N raw WebSocket clients join the default room and stop reading (their TCP sockets paused);
// one client keeps reading. The gateway (bench/limits-server.ts, its own process) broadcasts
// COUNT messages of BYTES to the room, one per event-loop turn. Printed per cap: the gateway's
// RSS and heap before, at their peak during the flood and after it (after a GC), the slow
// consumers it cut off, and the reading client's messages (all of them, or the cap hurt it).
// "no cap" is the largest setting (1 GiB): the gateway as it was.
//   [N=20] [COUNT=3000] [BYTES=16384] [CAPS=1073741824,1048576,262144] node --import tsx bench/slow-consumers.ts
import WebSocket from 'ws'
import { buildGateway } from './gateway.js'
import { mb, startServer } from './limits-common.js'

const N = Number(process.env.N ?? 20)
const COUNT = Number(process.env.COUNT ?? 3000)
const BYTES = Number(process.env.BYTES ?? 16384)
const CAPS = (process.env.CAPS ?? '1073741824,1048576,262144').split(',').map(Number)

async function client (url: string, read: boolean): Promise<{ ws: WebSocket, received: () => number }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
  let received = 0
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send('40')
      else if (text.startsWith('40')) resolve()
      else if (text === '2') ws.send('3')
      else if (text.startsWith('42')) received++
    })
    ws.once('error', reject)
  })
  if (!read) (ws as unknown as { _socket: { pause: () => void } })._socket.pause()
  return { ws, received: () => received }
}

buildGateway()
console.log(`${N} slow consumers + 1 reading, ${COUNT} broadcasts of ${BYTES} bytes (${mb(COUNT * BYTES)} MB per consumer)`)
console.log('cap (bytes)  | rss before | rss peak (+delta) | heap peak (+delta) | rss after GC | cut off | reader got')
for (const cap of CAPS) {
  const server = await startServer({ OUTBOUND_BUFFER_MAX_BYTES: String(cap), EVENT_RATE: '0' })
  const slow = await Promise.all(Array.from({ length: N }, async () => client(server.url, false)))
  const reader = await client(server.url, true)
  const before = await server.ask<{ rss: number, heapUsed: number }>({ cmd: 'mem' })
  const flood = await server.ask<{ peakRss: number, peakHeap: number, connections: number }>({ cmd: 'flood', bytes: BYTES, count: COUNT })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const after = await server.ask<{ rss: number }>({ cmd: 'mem' })
  const limits = await server.ask<Record<string, number>>({ cmd: 'limits' })
  console.log([
    (cap >= 2 ** 30 ? 'no cap' : String(cap)).padEnd(12),
    `${mb(before.rss)} MB`.padStart(10),
    `${mb(flood.peakRss)} MB (+${mb(flood.peakRss - before.rss)})`.padStart(17),
    `${mb(flood.peakHeap)} MB (+${mb(flood.peakHeap - before.heapUsed)})`.padStart(18),
    `${mb(after.rss)} MB`.padStart(12),
    String(limits.outbound_buffer ?? 0).padStart(7),
    `${reader.received()}/${COUNT}`.padStart(10)
  ].join(' | '))
  for (const c of [...slow, reader]) c.ws.terminate()
  await server.stop()
}
