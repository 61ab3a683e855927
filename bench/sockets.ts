// Holds many idle Socket.IO connections open with raw engine.io WebSocket clients (much lighter
// than socket.io-client): each connects to "/", then only answers heartbeats. On "open <n>" (a
// line on stdin) it opens more until <n> are connected, then prints "OPEN <n>". SEND=<event>:
// each sends that event once (no argument, no ack) right after connecting, as a socket that has
// talked once (socketgate then holds its event budget and that event's protocol listener).
//   [SEND=room:join] node --import tsx bench/sockets.ts <port>
import { createInterface } from 'node:readline'
import WebSocket from 'ws'

const port = Number(process.argv[2])
const send = process.env.SEND
const open: WebSocket[] = []

function connect (): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`)
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('0{')) ws.send('40')
      else if (text.startsWith('40{')) {
        if (send !== undefined) ws.send(`42${JSON.stringify([send])}`)
        resolve(ws)
      }
      else if (text === '2') ws.send('3')
    })
    ws.once('error', reject)
  })
}

async function openUntil (target: number): Promise<void> {
  while (open.length < target) {
    const batch = Math.min(200, target - open.length)
    open.push(...await Promise.all(Array.from({ length: batch }, connect)))
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, n] = line.trim().split(' ')
  if (cmd === 'open') {
    openUntil(Number(n)).then(() => process.stdout.write(`OPEN ${open.length}\n`), (err: unknown) => {
      process.stderr.write(`${String(err)}\n`)
      process.exit(1)
    })
  } else if (cmd === 'close') {
    for (const ws of open) ws.terminate()
    process.exit(0)
  }
})
