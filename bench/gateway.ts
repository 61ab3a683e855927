// The gateway the benchmarks run: tsc's build in dist/, as `npm start` and the Docker image run
// it, not src/ through tsx. tsx compiles with esbuild's `keepNames`: redefining the `name` of
// every named function moves it off V8's standard function maps (hidden classes). Node's
// EventEmitter.emit calls every listener through one shared `handler.apply` site, which V8
// keeps fast for up to four listener maps: from src/, metrics' WebSocket `message` wrapper was
// the fifth, and every emit in the process then took V8's megamorphic path. Measured in one
// paired run: metrics on vs off -6.3 % from dist/, -10.6 % from src/ (bench/RESULTS.md,
// "Compiled, as production runs").
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'

const root = new URL('..', import.meta.url).pathname

/** Builds dist/ (`npm run build`); the bench drivers call it once, before starting any server. */
export function buildGateway (): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}

/**
 * The library's exports (src/index.ts), from the build, with nextTick's shapes kept as the
 * server entry keeps them (src/tick-shapes.ts): a benchmark server runs as `socketgate serve` does.
 */
export async function loadGateway (): Promise<typeof import('../src/index.js')> {
  const gateway = await import(new URL('../dist/index.js', import.meta.url).href) as typeof import('../src/index.js')
  gateway.keepTickShapes()
  return gateway
}
