// src/tick-shapes.ts, loaded with the app, against the V8 behaviour it works around, read from
// V8 itself: a child Node with natives syntax prints the feedback of process.nextTick's
// tick-object literal after the shapes it remembered had a chance to be collected (ticks, an
// idle full GC, ticks again).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

const script = (keep: boolean): string => `
  ${keep ? "await import('./src/app.ts')" : ''}
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  // V8 gives a function feedback only after several calls.
  for (let i = 0; i < 50; i++) process.nextTick(() => {})
  await sleep(20)
  globalThis.gc() // no tick object is alive now: an idle server's full GC
  await sleep(20)
  for (let i = 0; i < 5; i++) process.nextTick(() => {})
  await sleep(20)
  new Function('f', '%DebugPrint(f)')(process.nextTick)
`

/** The IC states of the literal's property definitions, as V8 prints them. */
async function literalStates (keep: boolean): Promise<string[]> {
  // V8 prints through C stdio, which loses output on the socket Node gives a child for 'pipe':
  // the child writes to a file instead.
  const dir = mkdtempSync(join(tmpdir(), 'socketgate-tick-'))
  const file = join(dir, 'out')
  const fd = openSync(file, 'w')
  try {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script(keep)], {
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

t.test('without it, an idle full GC leaves nextTick building tick objects through the V8 runtime', async (t) => {
  // The behaviour src/tick-shapes.ts exists for. If a Node release fixes it, this fails: then
  // the module can go.
  const states = await literalStates(false)
  t.ok(states.length >= 4, `the literal has one definition per key (${states.join(', ')})`)
  t.ok(states.includes('MEGAMORPHIC'), `some are megamorphic (${states.join(', ')})`)
})

t.test('in a process that has loaded socketgate, every definition of the literal stays monomorphic', async (t) => {
  const states = await literalStates(true)
  t.ok(states.length >= 4, `the literal has one definition per key (${states.join(', ')})`)
  t.same(states.filter((s) => s !== 'MONOMORPHIC'), [], `all monomorphic (${states.join(', ')})`)
})
