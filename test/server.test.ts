import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createClient, type GatewayClient } from '../src/client.js'
import { connectClient, nextEvent, startGateway } from '../src/testing.js'
import { freePort } from './free-port.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Real server processes, each drained: more than tap's 60 s per file on a loaded machine.
t.setTimeout(180_000)

interface Running {
  url: string
  child: ChildProcess
  logs: Array<Record<string, unknown>>
  /** Resolves with the first log line matching `msg`, already written or still to come. */
  logged: (msg: string | RegExp, timeoutMs?: number) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Spawns `src/server.ts` as operators run it (env + flags) and waits for "Server listening". */
async function startServer (t: Test, env: Record<string, string>): Promise<Running> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', DEMO_PAGE: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const logs: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let buffered = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line))
    for (const wake of waiters) wake()
  })
  const logged = (msg: string | RegExp, timeoutMs = 15_000) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const find = () => logs.find((l) => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)))
    const check = (): void => {
      const line = find()
      if (!line) return
      cleanup()
      resolve(line)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`no log line ${String(msg)} within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    const gone = (): void => { cleanup(); reject(new Error(`process exited before logging ${String(msg)}; stderr: ${stderr}`)) }
    const cleanup = (): void => { clearTimeout(timer); waiters.delete(check); child.off('exit', gone) }
    waiters.add(check)
    child.once('exit', gone)
    check()
  })
  await logged(/^Server listening at /)
  return { url: `http://127.0.0.1:${port}`, child, logs, logged, exited }
}

async function connect2 (t: Test, url: string, transports: Array<'polling' | 'websocket'>): Promise<GatewayClient> {
  const client = createClient(url, { transports, forceNew: true, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 })
  t.teardown(() => { client.disconnect() })
  await nextEvent(client, 'connect', 5000)
  return client
}

/**
 * A WebSocket peer that has gone dark: it completes the upgrade, then never reads again, so the
 * gateway's close frame is never answered and that TCP connection stays open.
 */
async function deadPeer (t: Test, url: string): Promise<Socket> {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write([
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '', ''
  ].join('\r\n'))
  // The upgrade answer and the engine.io open packet ("0{...}") arrive together or one by one.
  await new Promise<void>((resolve) => {
    let got = ''
    const onData = (chunk: Buffer): void => {
      got += chunk.toString('latin1')
      if (got.startsWith('HTTP/1.1 101') && got.includes('"sid"')) {
        socket.off('data', onData)
        socket.pause()
        resolve()
      }
    }
    socket.on('data', onData)
  })
  return socket
}

t.test('on SIGTERM the process turns unready, closes every client transport and exits 0 before its deadline', async (t) => {
  // Exit code 0 proves the drain and close finished before the 5 s deadline (its exit code is 1).
  const server = await startServer(t, { DRAIN_WINDOW_MS: '600', SHUTDOWN_TIMEOUT_MS: '5000' })
  const clients = [
    await connect2(t, server.url, ['websocket']),
    await connect2(t, server.url, ['polling']),
    await connect2(t, server.url, ['websocket']),
    await connect2(t, server.url, ['polling'])
  ]
  t.equal((await fetch(`${server.url}/readyz`)).status, 200)
  const reasons = Promise.all(clients.map((c) => nextEvent<[string]>(c, 'disconnect', 10_000)))

  server.child.kill('SIGTERM')
  t.match(await server.logged('shutting down'), { signal: 'SIGTERM' })
  const ready = await fetch(`${server.url}/readyz`)
  t.equal(ready.status, 503)
  t.same(await ready.json(), { status: 'draining', checks: {} })

  t.same((await reasons).map(([r]) => r), Array(4).fill('transport close'), 'clients hear "transport close" and will reconnect elsewhere')
  t.ok(clients.every((c) => c.active), 'every client keeps trying by itself')
  t.same(await server.exited, { code: 0, signal: null }, 'a clean exit, not the deadline')
  t.match(await server.logged('drained'), { connections: 4 })
  t.notOk(server.logs.some((l) => l.msg === 'shutdown deadline passed: exiting'))
})

t.test('a client that never answers the close does not keep the process past SHUTDOWN_TIMEOUT_MS: exit code 1', async (t) => {
  // The dead peer's turn comes at the end of the window; close() then gives it a grace period
  // that outlasts what is left of the deadline.
  const server = await startServer(t, { DRAIN_WINDOW_MS: '1000', SHUTDOWN_TIMEOUT_MS: '1200' })
  const healthy = await connect2(t, server.url, ['websocket'])
  await deadPeer(t, server.url)
  const closed = nextEvent<[string]>(healthy, 'disconnect', 5000)

  server.child.kill('SIGTERM')
  t.equal((await closed)[0], 'transport close', 'a healthy client is still drained normally')
  t.same(await server.exited, { code: 1, signal: null })
  t.match(await server.logged('shutdown deadline passed: exiting'), { level: 50, deadlineMs: 1200 })
})

t.test('a second SIGTERM or SIGINT during the drain exits at once with code 1', async (t) => {
  for (const second of ['SIGTERM', 'SIGINT'] as const) {
    const server = await startServer(t, { DRAIN_WINDOW_MS: '8000', SHUTDOWN_TIMEOUT_MS: '60000' })
    // Three clients: closed at the start, the middle and the end of the 8 s window.
    await connect2(t, server.url, ['websocket'])
    const middle = await connect2(t, server.url, ['websocket'])
    const last = await connect2(t, server.url, ['websocket'])
    const middleClosed = nextEvent<[string]>(middle, 'disconnect', 15_000)
    const lastClosed = nextEvent<[string]>(last, 'disconnect', 15_000)
    server.child.kill('SIGTERM')
    await server.logged('shutting down')
    // The same signal again within REPEAT_WINDOW_MS counts as the first one delivered twice
    // (npm and the terminal both pass Ctrl-C on): a second SIGTERM is sent once the middle
    // client's turn (4 s into the drain) has come, well after that window; another signal at once.
    if (second === 'SIGTERM') await middleClosed
    server.child.kill(second)
    t.same(await server.exited, { code: 1, signal: null }, `a second ${second} exits now`)
    t.match(await server.logged('second signal: exiting now'), { signal: second })
    t.equal((await lastClosed)[0], 'transport close', 'a client still waiting for its turn loses its transport and reconnects elsewhere')
  }
})

t.test('the same signal twice at once (npm and the terminal both pass Ctrl-C on) drains once and exits 0', async (t) => {
  const server = await startServer(t, { DRAIN_WINDOW_MS: '300', SHUTDOWN_TIMEOUT_MS: '20000' })
  const client = await connect2(t, server.url, ['websocket'])
  const closed = nextEvent<[string]>(client, 'disconnect', 10_000)
  server.child.kill('SIGINT')
  await server.logged('shutting down')
  server.child.kill('SIGINT')
  t.equal((await closed)[0], 'transport close')
  t.same(await server.exited, { code: 0, signal: null })
  t.notOk(server.logs.some((l) => l.msg === 'second signal: exiting now'))
})

t.test('a process that closes its gateway with clients of both transports connected exits by itself', async (t) => {
  // No process.exit(): the child exits only when close() leaves no socket or timer behind.
  const script = `
    import { createGateway } from './src/app.ts'
    import { createClient } from './src/client.ts'
    const gw = await createGateway({ logLevel: 'silent', demoPage: false })
    await gw.listen({ port: 0, host: '127.0.0.1' })
    const url = 'http://127.0.0.1:' + gw.app.server.address().port
    const kinds = [['websocket'], ['polling'], ['polling', 'websocket']]
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise((resolve, reject) => {
      const c = createClient(url, { transports: kinds[i % 3], forceNew: true, reconnection: false })
      c.once('connect', () => resolve(c))
      c.once('connect_error', reject)
    })))
    const told = Promise.all(clients.map((c) => new Promise((resolve) => c.once('disconnect', resolve))))
    await gw.close()
    console.log(JSON.stringify({ closed: true, reasons: [...new Set(await told)] }))
  `
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  // Well under engine.io's 30 s polling close timeout and ws's 30 s close timeout.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])))
  t.same({ code, signal }, { code: 0, signal: null }, 'exited by itself, not killed')
  t.same(JSON.parse(out), { closed: true, reasons: ['io server disconnect'] })
})

t.test('closing the gateway cuts off a vanished polling client and a dead WebSocket peer instead of waiting 30 s for them', async (t) => {
  const gw = await startGateway(t)
  const healthy = [await connectClient(t, gw), await connectClient(t, gw, { transports: ['polling'] })]
  // A polling client that did its handshake and never polled again.
  const handshake = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`)
  t.match(await handshake.text(), /^0\{"sid":/)
  await deadPeer(t, gw.url)
  t.equal(gw.app.connections.size, 4)

  // The drain's orderly close leaves both vanished peers waiting (engine.io and ws: 30 s each).
  await gw.drain({ windowMs: 0 })
  const reasons = Promise.all(healthy.map((c) => nextEvent<[string]>(c, 'disconnect', 5000)))
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    gw.close().then(() => 'closed'),
    new Promise((resolve) => { timer = setTimeout(resolve, 10_000, 'still closing after 10 s') })
  ])
  clearTimeout(timer)
  t.equal(closed, 'closed')
  t.equal(gw.app.connections.size, 0)
  t.same((await reasons).map(([r]) => r), ['transport close', 'transport close'])
})
