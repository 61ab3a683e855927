// The socketgate process's safety net: a promise rejection nobody handles is logged and counted,
// and the node keeps serving. createGateway itself installs nothing (see the last test).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startGateway } from '../src/testing.js'
import { freePort } from './free-port.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
t.setTimeout(120_000)

t.test('socketgate serve logs and counts an unhandled rejection and keeps serving', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/fixtures/plant-rejection.mjs', 'src/server.ts', '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DEMO_PAGE: 'false', ADMIN_UI: 'false' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  const seen = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
    const check = (): void => { if (pattern.test(out)) { child.stdout!.off('data', check); resolve() } }
    child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); check() })
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}: ${out.slice(-2000)}`)))
    check()
  })
  await seen(/Server listening at/)
  const url = `http://127.0.0.1:${port}`
  const metric = async () => Number(/^socketgate_unhandled_rejections_total (\d+)$/m.exec(await (await fetch(url + '/metrics')).text())?.[1])
  t.equal(await metric(), 0, 'created at 0')

  child.kill('SIGUSR2')
  await seen(/unhandled promise rejection/)
  const line = JSON.parse(out.split('\n').find((l) => l.includes('unhandled promise rejection'))!)
  t.equal(line.level, 50, 'logged at error')
  t.match(line.err, { message: 'planted by the test', stack: /Error: planted by the test/ }, 'with the error and its stack')
  t.equal((await fetch(url + '/healthz')).status, 200, 'the process still serves')
  t.equal(await metric(), 1, 'counted once')
  child.kill('SIGKILL')
  await once(child, 'exit')
})

t.test('a gateway built in-process leaves Node\'s default alone, so a stray rejection still fails a test', async (t) => {
  const before = process.listenerCount('unhandledRejection')
  await startGateway(t)
  t.equal(process.listenerCount('unhandledRejection'), before)
})
