// Socket.IO v5 over engine.io v4 on the raw wire, for tests that check bytes: a WebSocket or a
// long-polling client that hands back every Socket.IO packet as the exact text the server sent.
// Heartbeats are answered, as any client does.
import type { Test } from 'tap'
import WebSocket from 'ws'

export interface RawClient {
  /** The Socket.IO packets received so far and not yet taken, in order (engine.io type `4` removed). */
  readonly packets: string[]
  /** Resolves with the next Socket.IO packet that `match` accepts, dropping those before it. */
  next: (match?: (packet: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Sends one Socket.IO packet (its text, like `40{"token":"x"}`). */
  send: (packet: string) => Promise<void>
  close: () => void
}

function queue (): { packets: string[], push: (p: string) => void, next: RawClient['next'] } {
  const packets: string[] = []
  let waiting: (() => void) | undefined
  return {
    packets,
    push (p) { packets.push(p); waiting?.() },
    async next (match = () => true, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const i = packets.findIndex(match)
        if (i >= 0) return packets.splice(0, i + 1).pop()!
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no matching packet within ${timeoutMs} ms; got ${JSON.stringify(packets)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiting = () => { clearTimeout(timer); waiting = undefined; resolve() }
        })
      }
    }
  }
}

export async function rawWebSocket (t: Test, url: string): Promise<RawClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket')
  t.teardown(() => ws.terminate())
  const q = queue()
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString()
      if (text.startsWith('0')) resolve()
      else if (text === '2') ws.send('3')
      else if (text.startsWith('4')) q.push(text.slice(1))
    })
  })
  await opened
  return {
    packets: q.packets,
    next: q.next,
    send: async (packet) => { ws.send('4' + packet) },
    close: () => ws.close()
  }
}

export async function rawPolling (t: Test, url: string): Promise<RawClient> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const { sid } = JSON.parse(open.slice(1)) as { sid: string }
  const at = `${base}&sid=${sid}`
  const q = queue()
  let closed = false
  t.teardown(() => { closed = true })
  const poll = async (): Promise<void> => {
    while (!closed) {
      const res = await fetch(at).catch(() => undefined)
      if (res === undefined || !res.ok) return
      for (const text of (await res.text()).split('\x1e')) {
        if (text === '2') await fetch(at, { method: 'POST', body: '3' })
        else if (text.startsWith('4')) q.push(text.slice(1))
        else if (text === '1') return
      }
    }
  }
  void poll()
  return {
    packets: q.packets,
    next: q.next,
    send: async (packet) => { await fetch(at, { method: 'POST', body: '4' + packet }) },
    close: () => { closed = true; void fetch(at, { method: 'POST', body: '1' }).catch(() => {}) }
  }
}
