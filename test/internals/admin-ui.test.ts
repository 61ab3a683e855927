// The admin UI bundle's internals (src/internals/admin-ui.ts): every patch matches the installed
// @socket.io/admin-ui exactly once, in each mode that uses it. Fails when an update changes one.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ASSET_DIRS } from '../../src/admin/assets.js'
import { PATCHES, patchAppScript } from '../../src/internals/admin-ui.js'

t.test('every patch applies exactly once to the installed bundle, in every mode that uses it', async (t) => {
  const index = await readFile(join(ASSET_DIRS.ui, 'index.html'), 'utf8')
  const file = /<script src="(js\/app\.[0-9a-f]+\.js)">/.exec(index)?.[1]
  t.ok(file, 'index.html loads js/app.<hash>.js')
  const source = await readFile(join(ASSET_DIRS.ui, file!), 'utf8')
  for (const patch of PATCHES) {
    t.equal(source.match(new RegExp(patch.find.source, 'g'))?.length, 1, patch.without)
  }
  for (const mode of ['operator', 'production', 'development'] as const) {
    const { body, missing } = patchAppScript(source, mode)
    t.same(missing, [], mode)
    t.not(body, source, `${mode}: patched`)
  }
})

t.test('a patch that no longer matches is named, and the others still apply', async (t) => {
  t.same(patchAppScript('serverUrl:this.initialServerUrl,x', 'production'), { body: 'serverUrl:this.initialServerUrl||location.origin,x', missing: [] })
  const { missing } = patchAppScript('nothing to patch here', 'operator')
  t.equal(missing.length, PATCHES.length)
  t.match(missing, ['the login dialog will not pre-fill this gateway\'s URL; type it in'])
  // Twice is as wrong as never: the patch would land in the wrong place.
  t.same(patchAppScript('serverUrl:this.initialServerUrl,serverUrl:this.initialServerUrl,', 'production').missing, ['the login dialog will not pre-fill this gateway\'s URL; type it in'])
})

t.test('instrument() (development mode) starts exactly one setInterval and adds its listeners through the namespace\'s on()', async (t) => {
  const { instrument } = await import('@socket.io/admin-ui')
  const { Server } = await import('socket.io')
  const { containInstrument } = await import('../../src/internals/admin-ui.js')
  const io = new Server()
  const contained: string[] = []
  const { timers } = containInstrument(io.of('/admin'), () => {
    instrument(io, { auth: false, namespaceName: '/admin', mode: 'development' })
  }, (fn) => { contained.push(fn.name); return fn })
  t.teardown(() => { for (const timer of timers) clearInterval(timer) })
  t.equal(timers.length, 1, 'its stats timer, held so that closing stops it')
  t.ok(contained.length >= 1, 'its connection listener passed through the containment')
})
