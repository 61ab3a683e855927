// Where the packages socketgate reaches into are loaded from, as Socket.IO loads them: engine.io
// may bring its own copy of ws, older or newer than the one at the top of node_modules, and the
// shapes that matter are those of the copy that serves the connections.
import { createRequire } from 'node:module'

const root = createRequire(import.meta.url)
const socketIo = root.resolve('socket.io')
const engineIo = createRequire(socketIo).resolve('engine.io')
const ws = createRequire(engineIo).resolve('ws')
const adapter = createRequire(socketIo).resolve('socket.io-adapter')

/** The resolved entry file of each package, as Socket.IO's own `require` would find it. */
export const ENTRY = { 'socket.io': socketIo, 'engine.io': engineIo, ws, 'socket.io-adapter': adapter } as const
export type UpstreamPackage = keyof typeof ENTRY

/** A package's module (CommonJS), as loaded for Socket.IO. */
export const load = <T>(name: UpstreamPackage): T => root(ENTRY[name]) as T

/** A file of a package next to its entry file (`./broadcast-operator.js`), as loaded for Socket.IO. */
export const loadFile = <T>(name: UpstreamPackage, relative: string): T => createRequire(ENTRY[name])(relative) as T

/** The installed version of a package, as loaded for Socket.IO. */
export function versionOf (name: UpstreamPackage): string {
  let dir = ENTRY[name]
  // Up from the entry file to the package's own package.json.
  for (;;) {
    const parent = dir.slice(0, dir.lastIndexOf('/'))
    if (parent === dir || parent === '') return 'unknown'
    dir = parent
    try {
      const pkg = root(`${dir}/package.json`) as { name?: string, version?: string }
      if (pkg.name === name) return pkg.version ?? 'unknown'
    } catch {}
  }
}

/** One private internal that is not where this gateway expects it. */
export interface ShapeProblem {
  package: UpstreamPackage | '@socket.io/admin-ui' | '@socket.io/redis-streams-adapter'
  version: string
  /** What is missing, in the package's terms. */
  missing: string
  /** What the gateway does instead ("counts from engine.io's packet events"), or why it cannot start. */
  fallback: string
  /** No public path keeps the gateway correct: start-up fails. */
  fatal?: boolean
}

export const problem = (name: UpstreamPackage, missing: string, fallback: string, fatal = false): ShapeProblem =>
  ({ package: name, version: versionOf(name), missing, fallback, ...(fatal ? { fatal } : {}) })

export const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function'

/** Whether the source text of `fn` contains `text`: for fields a constructor or method sets. */
export const sourceHas = (fn: unknown, text: string): boolean => isFunction(fn) && Function.prototype.toString.call(fn).includes(text)
