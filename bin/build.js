#!/usr/bin/env node
// Builds dist/ from src/ with TypeScript, one build at a time, and stamps it, so bin/socketgate.js
// knows whether src/ changed since. `npm run build` runs it; bin/socketgate.js calls
// ensureBuilt() before every start in a clone of the repository.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = join(root, 'src')
const dist = join(root, 'dist')
const stamp = join(dist, '.build-stamp')
const lock = join(dist, '.build-lock')
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 5 * 60_000

/** Newest modification time under `dir`, in ms. */
function newest (dir) {
  let max = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return max
}

const mtime = (path) => existsSync(path) ? statSync(path).mtimeMs : 0
const sourcesTime = () => Math.max(newest(src), mtime(join(root, 'tsconfig.json')), mtime(join(root, 'tsconfig.build.json')))

/** In a clone (src/ present): is dist/ missing or older than the sources? */
export const stale = () => existsSync(src) && mtime(stamp) < sourcesTime()

function sleep (ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Builds when stale (or always with force); a second process meanwhile waits, then skips. */
export function ensureBuilt ({ force = false } = {}) {
  if (!force && !stale()) return
  mkdirSync(dist, { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      if (Date.now() - mtime(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      else sleep(200)
    }
  }
  try {
    if (!force && !stale()) return
    let tsc
    try {
      tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    } catch {
      process.stderr.write('socketgate: dist/ is missing or older than src/, and TypeScript is not installed to build it; run npm install (with dev dependencies)\n')
      process.exit(1)
    }
    if (!force) {
      process.stderr.write(existsSync(stamp)
        ? 'socketgate: building dist/ (src/ changed since the last build)\n'
        : 'socketgate: building dist/ (first start: about 15 s, once)\n')
    }
    const started = Date.now()
    const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] })
    if (result.status !== 0) {
      process.stderr.write('socketgate: the build failed (above)\n')
      process.exit(1)
    }
    // Stamped with the build's start: a file edited while tsc ran is newer, and builds next time.
    writeFileSync(stamp, '')
    utimesSync(stamp, started / 1000, started / 1000)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureBuilt({ force: true })
