// createGateway releases what it opened when a later plugin fails to register: the process that
// tried exits by itself: no Redis connection, stream reader, timer or listener is left to keep it
// alive (before, it never exited).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SHARED_REDIS, uniquePrefix } from './cluster/helpers.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
t.setTimeout(120_000)

t.test('a gateway whose start fails after the cluster connected to Redis leaves nothing open', async (t) => {
  const prefix = uniquePrefix()
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/failing-gateway.ts', SHARED_REDIS, prefix], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  // Generous for a loaded machine; the process holds nothing, so it exits as soon as it is done.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])))
  clearTimeout(timer)
  t.equal(out.trim(), 'failed: adapter refused /chat', 'createGateway rejected with the plugin\'s error')
  t.equal(signal, null, 'the process was not killed: nothing kept it alive')
  t.equal(code, 0)

})
