#!/usr/bin/env node
// Process edge: read env and flags, build, listen, and drain on SIGTERM/SIGINT. Everything else
// lives in createGateway, which tests build directly.
import { createGateway } from './app.js'
import { fromArgv, fromEnv, helpText } from './config.js'
import { ConfigError } from './errors.js'

async function main (): Promise<void> {
  const { input, help } = fromArgv(process.argv.slice(2))
  if (help) {
    process.stdout.write(helpText() + '\n')
    return
  }
  const gw = await createGateway({ ...fromEnv(process.env), ...input })
  await gw.listen()

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      gw.app.log.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
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
}

main().catch((err: unknown) => {
  // One line naming the key, not a stack trace: this is the operator's mistake, not a crash.
  if (err instanceof ConfigError) {
    process.stderr.write(`socketgate: invalid configuration\n${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`socketgate: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
