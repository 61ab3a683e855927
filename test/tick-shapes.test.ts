// src/tick-shapes.ts against the V8 behaviour it works around, read from V8 itself: a child Node
// with natives syntax prints the feedback of process.nextTick's tick-object literal after the
// shapes it remembered had a chance to be collected (ticks, an idle full GC, ticks again). And
// where it applies: by the server entry and by keepTickShapes(), never by importing the library.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

const script = (setup: string): string => `
  ${setup}
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  // V8 gives a function feedback only after several calls.
  for (let i = 0; i < 50; i++) process.nextTick(() => {})
  await sleep(20)
  globalThis.gc() // no tick object is alive now: an idle server's full GC
  await sleep(20)
  for (let i = 0; i < 5; i++) process.nextTick(() => {})
  await sleep(20)
  new Function('f', '%DebugPrint(f)')(process.nextTick)
  process.exit(0)
`

/** The IC states of the literal's property definitions, as V8 prints them. */
async function literalStates (setup: string): Promise<string[]> {
  // V8 prints through C stdio, which loses output on the socket Node gives a child for 'pipe':
  // the child writes to a file instead.
  const dir = mkdtempSync(join(tmpdir(), 'socketgate-tick-'))
  const file = join(dir, 'out')
  const fd = openSync(file, 'w')
  try {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script(setup)], {
      // Without tap's loaders (NODE_OPTIONS): what is measured is Node's own nextTick.
      cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', fd, 'inherit']
    })
    const [code] = await once(child, 'exit') as [number | null]
    if (code !== 0) throw new Error(`child exited with ${code}`)
    return [...readFileSync(file, 'utf8').matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!)
  } finally {
    closeSync(fd)
    rmSync(dir, { recursive: true, force: true })
  }
}

const megamorphic = async (t: Test, setup: string): Promise<void> => {
  const states = await literalStates(setup)
  t.ok(states.length >= 4, `the literal has one definition per key (${states.join(', ')})`)
  t.ok(states.includes('MEGAMORPHIC'), `some are megamorphic (${states.join(', ')})`)
}

const monomorphic = async (t: Test, setup: string): Promise<void> => {
  const states = await literalStates(setup)
  t.ok(states.length >= 4, `the literal has one definition per key (${states.join(', ')})`)
  t.same(states.filter((s) => s !== 'MONOMORPHIC'), [], `all monomorphic (${states.join(', ')})`)
}

t.test('without it, an idle full GC leaves nextTick building tick objects through the V8 runtime', async (t) => {
  // The behaviour src/tick-shapes.ts exists for. If a Node release fixes it, this fails: then
  // the module can go.
  await megamorphic(t, '')
})

t.test('importing the library (and building a gateway) changes nothing process-wide', async (t) => {
  await megamorphic(t, "const { createGateway } = await import('./src/index.ts'); await (await createGateway({ logLevel: 'silent', demoPage: false, adminUi: false })).close()")
})

t.test('a program that calls keepTickShapes() keeps every definition of the literal monomorphic', async (t) => {
  await monomorphic(t, "const { keepTickShapes } = await import('./src/index.ts'); keepTickShapes()")
})

t.test('the server entry (socketgate serve) applies it', async (t) => {
  await monomorphic(t, "const { serve } = await import('./src/cli/serve.ts'); await serve(['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', '--admin-ui', 'false', '--demo-page', 'false'])")
})
