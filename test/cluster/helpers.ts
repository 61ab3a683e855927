// Real processes for the scale-out tests: gateway nodes (`tsx src/server.ts`), a private
// redis-server, and HAProxy or nginx configured from deploy/. Each is stopped with the test.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises'
import { get, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import type { GatewayClient } from '../../src/client.js'
import { nextEvent } from '../../src/testing.js'
import { freePort } from '../free-port.js'
export { freePort }

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const SHARED_REDIS = 'redis://127.0.0.1:6379'
export const API_KEY = 'cluster-test-key-0123456789'

export type Teardown = { teardown: (fn: () => unknown) => void }

/** A key prefix no other test uses, so tests sharing the Redis on 6379 never see each other. */
export const uniquePrefix = (): string => `sgtest-${randomBytes(4).toString('hex')}`

/** Polls `check` until it returns a value other than undefined; for states only visible over HTTP. */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Resolves when `child` prints a line matching `pattern` on stdout or stderr. */
function waitForOutput (child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString()
      if (pattern.test(seen)) done()
    }
    const onExit = (code: number | null): void => { done(new Error(`${what} exited (${code}) before it was ready:\n${seen.slice(-2000)}`)) }
    const timer = setTimeout(() => done(new Error(`${what} not ready within ${timeoutMs} ms:\n${seen.slice(-2000)}`)), timeoutMs)
    const done = (err?: Error): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      if (err) reject(err)
      else resolve()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

async function stopChild (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill(signal)
  await exited
}

export interface Node {
  name: string
  port: number
  url: string
  child: ChildProcess
  /** Exit code or signal once the process ended; undefined while it runs. */
  exit: () => string | undefined
  /** Everything the node logged so far (pino's JSON lines). */
  output: () => string
  kill: () => Promise<void>
  get: (path: string) => Promise<{ status: number, body: any }>
  publish: (body: unknown) => Promise<{ status: number, body: any }>
}

export interface NodeOptions {
  redisUrl?: string
  prefix: string
  env?: Record<string, string>
  /** A port of the caller's (a node restarted where Prometheus scrapes it); default: a free one. */
  port?: number
  /** How long to wait for the node to listen. @default 20000 */
  readyTimeoutMs?: number
}

export async function startNode (t: Teardown, name: string, opts: NodeOptions): Promise<Node> {
  const port = opts.port ?? await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env }
  // tap's TypeScript loader is for the test process, not for the gateway it starts.
  delete env.NODE_OPTIONS
  Object.assign(env, {
    LOG_LEVEL: 'info',
    NODE_ID: name,
    REDIS_KEY_PREFIX: opts.prefix,
    PUBLISH_API_KEY: API_KEY,
    ADMIN_UI: 'false',
    DEMO_PAGE: 'false',
    CLUSTER_HEARTBEAT_MS: '200',
    CLUSTER_NODE_TIMEOUT_MS: '1000',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env
  })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => stopChild(child))
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await waitForOutput(child, /Server listening/, `node ${name}`, opts.readyTimeoutMs ?? 20_000)
  const url = `http://127.0.0.1:${port}`
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(url + path, init)
    return { status: res.status, body: await res.json() as any }
  }
  return {
    name,
    port,
    url,
    child,
    exit: () => child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode ?? undefined,
    output: () => output,
    kill: () => stopChild(child, 'SIGKILL'),
    get: (path) => request(path, { headers: { authorization: `Bearer ${API_KEY}` } }),
    publish: (body) => request('/api/v1/publish', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
  }
}

/** Starts nodes and waits until every one sees all of them in its cluster view. */
export async function startCluster (t: Teardown, names: string[], opts: NodeOptions): Promise<Node[]> {
  const nodes = await Promise.all(names.map((name) => startNode(t, name, opts)))
  await Promise.all(nodes.map((node) => waitFor(`${node.name} to see ${names.length} nodes`, async () => {
    const { body } = await node.get('/readyz')
    return body.checks?.redis?.status?.includes(`${names.length} node(s)`) ? true : undefined
  })))
  return nodes
}

/** Which node holds the client that joined room `room` (each client joins a room of its own). */
export async function nodeOf (nodes: Node[], room: string): Promise<Node> {
  for (const node of nodes) {
    if (node.exit() !== undefined) continue
    // recipients counts the publishing node's own sockets only.
    const { body } = await node.publish({ room, event: 'probe' })
    if (body.recipients === 1) return node
  }
  throw new Error(`no node holds room ${room}`)
}

/**
 * Behind a sticky load balancer: three chat messages reach every client (client `i` has joined
 * room `client-<i>`), and afterwards each is still on the node it started on (`homes`), its
 * session intact (`unexpected` collects disconnects): a request on the wrong node would end it.
 */
export async function staysOnItsNode (t: Test, nodes: Node[], clients: GatewayClient[], homes: Node[], unexpected: readonly string[]): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const all = clients.map((c) => nextEvent<[{ content: string }]>(c, 'message:new', 3000))
    const ack = await clients[round]!.timeout(3000).emitWithAck('message:send', { content: `round ${round}` })
    t.equal(ack.ok, true)
    for (const [msg] of await Promise.all(all)) t.equal(msg.content, `round ${round}`)
  }
  const again = await Promise.all(clients.map((_c, i) => nodeOf(nodes, `client-${i}`)))
  t.same(again.map((n) => n.name), homes.map((n) => n.name), 'every client is still on the node it started on')
  t.same(unexpected, [], 'no client lost its session (a request on the wrong node would end it)')
}

/**
 * A request through `lb` from `address` claiming, in its own X-Forwarded-For, to come from
 * 203.0.113.9; resolves with the client address each node logged for it (Fastify's request.ip,
 * which TRUST_PROXY takes from X-Forwarded-For: the balancer's, if it sets the header).
 */
export async function loggedAddresses (lb: LoadBalancer, nodes: Node[], address: string): Promise<string[]> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(`${lb.url}/api/v1/rooms`, {
      localAddress: address, headers: { authorization: `Bearer ${API_KEY}`, 'x-forwarded-for': '203.0.113.9' }
    }, resolve).once('error', reject)
  })
  res.resume()
  if (res.statusCode !== 200) throw new Error(`GET /api/v1/rooms through the load balancer: ${res.statusCode}`)
  return await waitFor('the request in a node\'s log', () => {
    const lines = nodes.flatMap((n) => n.output().split('\n')).filter((l) => l.includes('"url":"/api/v1/rooms"'))
    return lines.length > 0 ? lines.map((l) => (JSON.parse(l) as { req: { remoteAddress: string } }).req.remoteAddress) : undefined
  }, 2000)
}

export interface Redis {
  url: string
  stop: () => Promise<void>
  start: () => Promise<void>
  /** SIGSTOP: the server keeps its connections open and answers nothing (a hung Redis). */
  freeze: () => void
  /** SIGCONT: it answers again, the commands sent meanwhile first. */
  thaw: () => void
}

/** A redis-server of this test's own, on a free port, so it can be stopped without harming others. */
export async function startRedis (t: Teardown): Promise<Redis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    await waitForOutput(child, /Ready to accept connections/, 'redis-server', 5000)
  }
  await start()
  // SIGKILL ends a frozen server too.
  t.teardown(() => child && stopChild(child))
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => { if (child) await stopChild(child, 'SIGTERM') },
    start,
    freeze: () => { child?.kill('SIGSTOP') },
    thaw: () => { child?.kill('SIGCONT') }
  }
}

export interface LoadBalancer {
  url: string
  /** What it logged so far (HAProxy: servers going DOWN and UP). */
  output: () => string
}

/**
 * A deploy/ template as a test runs it: the lines between each `# <name>:start` and `# <name>:end`
 * pair replaced by `blocks[name]` (given the shipped lines, if a function), and the line matching
 * `pattern` by `line`. Throws when one is missing rather than run a config that differs from the
 * shipped one unnoticed.
 */
function fillTemplate (file: string, template: string, blocks: Blocks, [pattern, line]: [RegExp, string]): string {
  let config = template
  for (const [name, body] of Object.entries(blocks)) {
    const markers = new RegExp(`^( *)# ${name}:start\\n([\\s\\S]*?)^ *# ${name}:end$`, 'm')
    const match = markers.exec(config)
    if (!match) throw new Error(`${file} lacks the "# ${name}:start" and "# ${name}:end" markers`)
    const [, indent = '', shipped = ''] = match
    const lines = typeof body === 'function' ? body(shipped.trim().split('\n').map((l) => l.trim())) : body
    config = config.replace(markers, () => [`# ${name}:start`, ...lines, `# ${name}:end`].map((l) => indent + l).join('\n'))
  }
  if (!pattern.test(config)) throw new Error(`${file} has no line matching ${pattern}`)
  return config.replace(pattern, () => line)
}

type Blocks = Record<string, string[] | ((shipped: string[]) => string[])>

interface ProxySpec {
  bin: string
  /** Its config's template, in deploy/. */
  template: string
  /** The lines for each marker pair of the template. */
  blocks: Blocks
  /** The template's listening line, and the one that listens on `port` instead. */
  listen: [RegExp, (port: number) => string]
  args: (config: string, dir: string) => string[]
}

/** A load balancer configured from a deploy/ template, on a free port, in a temp directory of its own. */
async function startProxy (t: Teardown, spec: ProxySpec): Promise<LoadBalancer> {
  const port = await freePort()
  const template = await readFile(join(ROOT, 'deploy', spec.template), 'utf8')
  const config = fillTemplate(`deploy/${spec.template}`, template, spec.blocks, [spec.listen[0], spec.listen[1](port)])
  const dir = await mkdtemp(join(tmpdir(), `sg-${spec.bin}-`))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, spec.template)
  await writeFile(file, config)
  // Debian puts it in /usr/sbin, which a non-root PATH may lack.
  const bin = existsSync(`/usr/sbin/${spec.bin}`) ? `/usr/sbin/${spec.bin}` : spec.bin
  const child = spawn(bin, spec.args(file, dir), { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  // SIGTERM: nginx's master passes it on to its workers, which SIGKILL would leave holding the port.
  t.teardown(() => stopChild(child, 'SIGTERM'))
  await waitFor(`${spec.bin} to listen`, () => new Promise<true | undefined>((resolve, reject) => {
    if (child.exitCode !== null) return reject(new Error(`${spec.bin} exited (${child.exitCode}): ${output}`))
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(undefined))
  }), 5000)
  return { url: `http://127.0.0.1:${port}`, output: () => output }
}

/** HAProxy from deploy/haproxy.cfg, with `nodes` as its upstreams. */
export function startHaproxy (t: Teardown, nodes: ReadonlyArray<Pick<Node, 'name' | 'port'>>): Promise<LoadBalancer> {
  return startProxy(t, {
    bin: 'haproxy',
    template: 'haproxy.cfg',
    blocks: { upstreams: nodes.map((n) => `server ${n.name} 127.0.0.1:${n.port} check cookie ${n.name}`) },
    listen: [/bind \*:\d+/, (port) => `bind 127.0.0.1:${port}`],
    args: (file) => ['-db', '-f', file]
  })
}

/**
 * nginx from deploy/nginx.conf, with `nodes` as its upstreams: in the foreground, logging errors
 * to stderr, its pid and temp files in its directory (`-p`), so it needs no privileges.
 */
export function startNginx (t: Teardown, nodes: ReadonlyArray<Pick<Node, 'port'>>): Promise<LoadBalancer> {
  return startProxy(t, {
    bin: 'nginx',
    template: 'nginx.conf',
    blocks: {
      // As root, nginx would run its workers as nobody, who cannot enter the 0700 temp directory.
      process: [...(process.getuid?.() === 0 ? ['user root;'] : []), 'daemon off;', 'pid nginx.pid;', 'error_log stderr;'],
      files: ['access_log off;', ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${kind};`)],
      // The shipped server line's parameters (max_fails, fail_timeout), with a local address.
      upstreams: ([server]) => nodes.map((n) => server!.replace(/^server \S+/, `server 127.0.0.1:${n.port}`))
    },
    listen: [/listen \d+;/, (port) => `listen 127.0.0.1:${port};`],
    // -e: where nginx logs before it has read the config (other builds default to a file in /var/log).
    args: (file, dir) => ['-c', file, '-p', dir, '-e', 'stderr']
  })
}

/** The value of one series (no labels, or the given label text) in a Prometheus text page. */
export function metricValue (page: string, name: string, labels = ''): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

export async function metricsOf (node: Node): Promise<string> {
  const res = await fetch(node.url + '/metrics')
  return res.text()
}
