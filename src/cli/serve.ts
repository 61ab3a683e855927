// `socketgate serve`: the gateway as a process. Reads env and flags, builds, listens, and on
// SIGTERM/SIGINT drains, closes and exits. Everything else lives in createGateway, which tests
// build directly.
import { createGateway, type Gateway } from '../app.js'
import { fromArgv, fromEnv, helpText } from '../config.js'
import { SampledLog } from '../admin/sampled-log.js'
import { ConfigError } from '../errors.js'
import { keepTickShapes } from '../tick-shapes.js'

/**
 * A repeat of the first signal within this window is the same stop delivered twice, not an
 * operator insisting: Ctrl-C reaches every process of the terminal's group (npm and node) and
 * npm forwards it to node again; systemd signals npm and node alike. A later one exits at once.
 */
export const REPEAT_WINDOW_MS = 1000
/** How often a gateway started by npm checks that npm is still there. */
const PARENT_CHECK_MS = 1000


/** Drains on the first signal; a different (or much later) second signal exits 1 at once. */
function handleSignals (gw: Gateway): void {
  let first: { signal: string, at: number } | undefined
  const stop = (signal: string): void => {
    const now = Date.now()
    if (first) {
      if (signal === first.signal && now - first.at < REPEAT_WINDOW_MS) return
      gw.app.log.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    first = { signal, at: now }
    // The deadline holds whatever happens below: a stuck client must not keep the node alive.
    setTimeout(() => {
      gw.app.log.error({ deadlineMs: gw.config.shutdownTimeoutMs }, 'shutdown deadline passed: exiting')
      process.exit(1)
    }, gw.config.shutdownTimeoutMs).unref()
    gw.app.log.info({ signal }, 'shutting down')
    gw.drain()
      .then(() => gw.close())
      .then(() => process.exit(0), (err: unknown) => {
        gw.app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  // `npx socketgate` runs us under `sh -c`, and a signal to npm kills that shell, not us: we
  // would keep the port with nobody to stop us. Started by npm, we stop when it is gone.
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid
    setInterval(() => {
      if (process.ppid !== parent && first === undefined) stop('parent exited')
    }, PARENT_CHECK_MS).unref()
  }
}

export async function serve (argv: readonly string[]): Promise<void> {
  // A process of its own: it keeps nextTick on V8's fast path (src/tick-shapes.ts says why).
  keepTickShapes()
  const { input, help } = fromArgv(argv)
  if (help) {
    process.stdout.write(helpText('Usage: socketgate [serve] [--flag value ...]\n\nRuns the gateway (the command socketgate runs when given none).') + '\n')
    return
  }
  const gw = await createGateway({ ...fromEnv(process.env), ...input })
  await gw.listen()
  handleSignals(gw)
  keepServingOnUnhandledRejection(gw)
}

/**
 * A safety net for this process only, not for createGateway: tests and embedding applications keep
 * Node's default, so a rejection nobody handles still fails a test. Here it is a bug (every known
 * path is handled and tested), but ending the process would drop every client's connection for
 * one stray promise: it is logged with its stack (sampled) and counted, and the node keeps serving.
 * An uncaught exception still ends the process (its state may be half-changed).
 */
function keepServingOnUnhandledRejection (gw: Gateway): void {
  const sampled = new SampledLog({ perWindow: 10, windowMs: 60_000 })
  process.on('unhandledRejection', (reason: unknown) => {
    gw.app.metrics.unhandledRejection()
    sampled.line((suppressed) => {
      gw.app.log.error({ err: reason, suppressed }, 'unhandled promise rejection (a bug, please report it); counted in socketgate_unhandled_rejections_total, the gateway keeps serving')
    })
  })
}

/** Runs `serve` as a process: a bad setting is one line per key and exit code 2, not a stack. */
export function runServe (argv: readonly string[]): void {
  serve(argv).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`socketgate: invalid configuration\n${err.message}\n`)
      process.exit(2)
    }
    process.stderr.write(`socketgate: failed to start: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  })
}
