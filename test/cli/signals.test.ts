// Stopping the gateway the ways people start it: a signal to the npm process itself (`npm start`,
// `npm run dev`, `npx socketgate`) must drain and stop the gateway, not leave it running
// without its parent, and Ctrl-C (the terminal signals npm and node alike) must drain once,
// not count as a second signal.
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { createClient } from '../../src/client.js'
import { nextEvent } from '../../src/testing.js'
import { alive, built, freePort, watch, type Watched } from './helpers.js'

t.setTimeout(240_000)
built()

const READY = /^socketgate .* ready at /

interface Started extends Watched { url: string, pid: number }

async function start (t: Test, command: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort()
  const w = watch(t, command, args, {
    detached: true,
    env: { PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ADMIN_UI: 'false', DRAIN_WINDOW_MS: '200', SHUTDOWN_TIMEOUT_MS: '20000', ...env }
  })
  const ready = await w.logged(READY, 120_000)
  return { ...w, url: `http://127.0.0.1:${port}`, pid: ready.pid as number }
}

/** Connects a client that does not reconnect; resolves with the reason it is disconnected for. */
async function client (t: Test, url: string): Promise<{ disconnected: Promise<string> }> {
  const c = createClient(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  t.teardown(() => { c.disconnect() })
  await nextEvent(c, 'connect', 30_000)
  return { disconnected: new Promise((resolve) => c.once('disconnect', resolve)) }
}

t.test('SIGTERM to `npm start` drains the gateway, which exits with npm', async (t) => {
  const gw = await start(t, 'npm', ['start'])
  t.not(gw.pid, gw.child.pid, 'the gateway is its own process under npm')
  const { disconnected: reason } = await client(t, gw.url)
  gw.child.kill('SIGTERM')
  t.equal(await reason, 'transport close', 'the client was drained (it would reconnect elsewhere)')
  t.same(await gw.exited, { code: 0, signal: null }, 'npm exits 0 once the gateway has')
  t.match(await gw.logged('shutting down'), { signal: 'SIGTERM' })
  t.match(await gw.logged('drained'), { connections: 1 })
  t.equal(alive(gw.pid), false, 'no gateway left running without npm')
})

t.test('Ctrl-C on `npm start` (SIGINT to npm and node at once) drains once: not taken for a second signal', async (t) => {
  const gw = await start(t, 'npm', ['start'])
  const { disconnected: reason } = await client(t, gw.url)
  // A terminal's Ctrl-C signals the whole foreground process group; npm forwards it as well.
  process.kill(-gw.child.pid!, 'SIGINT')
  t.equal(await reason, 'transport close')
  t.same(await gw.exited, { code: 0, signal: null })
  t.match(await gw.logged('drained'), { connections: 1 })
  t.notOk(gw.logs.some((l) => l.msg === 'second signal: exiting now'), 'one stop, drained')
  t.equal(alive(gw.pid), false)
})

t.test('SIGTERM to `npm run dev` stops the watcher and drains the gateway it runs', async (t) => {
  const gw = await start(t, 'npm', ['run', 'dev'], { DRAIN_WINDOW_MS: '200' })
  const { disconnected: reason } = await client(t, gw.url)
  gw.child.kill('SIGTERM')
  t.equal(await reason, 'transport close')
  await gw.exited
  t.match(await gw.logged('drained'), { connections: 1 })
  t.equal(alive(gw.pid), false)
})

t.test('SIGTERM to `npx socketgate serve` (npm, then a shell, then node) still drains the gateway', async (t) => {
  const gw = await start(t, 'npx', ['--no-install', 'socketgate', 'serve'])
  const { disconnected: reason } = await client(t, gw.url)
  // npm passes the signal to its shell, which dies without passing it on: the gateway notices
  // that its parent is gone and stops as if signalled.
  gw.child.kill('SIGTERM')
  t.equal(await reason, 'transport close')
  t.match(await gw.logged('shutting down'), { signal: 'parent exited' })
  t.match(await gw.logged('drained'), { connections: 1 })
  // stdout closes when the last process writing to it, the gateway, is gone.
  if (gw.child.stdout!.readable) await once(gw.child.stdout!, 'close')
  t.equal(alive(gw.pid), false)
})
