// A non-JS client against the gateway: Debian's python-socketio 5.7 (installed by
// scripts/test-services.sh), over WebSocket and long-polling, through the chat protocol. And what
// CONNECTION_RECOVERY=true changes for it, which docs/delivery.md warns about: the session offset
// Socket.IO appends to every event sent without an ack reaches python handlers as one more
// argument. The default (auto) gives recovery only to clients that ask, and this one does not.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startGateway } from '../src/testing.js'

const CLIENT = fileURLToPath(new URL('python/chat_client.py', import.meta.url))
// Debian's interpreter, where python3-socketio lives (a pyenv or venv python3 may come first on PATH).
const PYTHON = '/usr/bin/python3'

interface Seen {
  sid: string
  join: unknown
  send: { ok: boolean, id?: string }
  refused: { ok: boolean, error?: { code: string } }
  delivered: boolean
  events: Array<[string, unknown[]]>
}

async function run (url: string, transport: 'websocket' | 'polling'): Promise<Seen> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(PYTHON, [CLIENT, url, transport], { timeout: 20_000 }, (err, out, stderr) => {
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)
    })
  })
  return JSON.parse(stdout) as Seen
}

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`python-socketio over ${transport}: joins, sends, is refused a bad payload, receives its message`, async (t) => {
    // The default configuration (CONNECTION_RECOVERY=auto): this client does not ask for recovery.
    const gw = await startGateway(t, { transports: ['polling', 'websocket'] })
    t.equal(gw.config.connectionRecovery, 'auto')
    const seen = await run(gw.url, transport)
    t.match(seen.sid, /^[\w-]+$/, 'connected')
    t.same(seen.join, { ok: true })
    t.equal(seen.send.ok, true, 'message accepted')
    t.equal(seen.refused.ok, false, 'empty message refused')
    t.equal(seen.refused.error?.code, 'SG_INVALID_PAYLOAD')
    t.equal(seen.delivered, true)
    const messages = seen.events.filter(([name]) => name === 'message:new')
    t.equal(messages.length, 1)
    t.equal(messages[0]![1].length, 1, 'one argument, as sent')
    t.match(messages[0]![1][0], { id: seen.send.id, content: 'from python', room: 'py-room' })
    t.same(seen.events.filter(([name]) => name === 'session:ready'), [], 'no session:ready without recovery')
  })
}

t.test('with CONNECTION_RECOVERY on, python-socketio handlers get the session offset as an extra argument', async (t) => {
  const gw = await startGateway(t, { connectionRecovery: true })
  const seen = await run(gw.url, 'websocket')
  t.equal(seen.send.ok, true)
  t.equal(seen.delivered, true)
  const [ready] = seen.events.filter(([name]) => name === 'session:ready')
  t.ok(ready, 'session:ready received')
  t.equal(ready![1].length, 2, 'session:ready: the payload and the offset')
  t.same(ready![1][0], { id: seen.sid })
  t.type(ready![1][1], 'string', 'the offset is a string')
  const [message] = seen.events.filter(([name]) => name === 'message:new')
  t.equal(message![1].length, 2, 'message:new: the message and the offset')
  t.match(message![1][0], { content: 'from python' })
  // An ack carries no offset (python-socketio's call() would return a list of two values).
  t.notOk(Array.isArray(seen.send), 'the ack is one value')
})
