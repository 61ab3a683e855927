#!/usr/bin/env node
// `socketgate [command] …`: one entry point for the gateway and its tools. No command (or a
// flag first) means `serve`, so `socketgate --port 8080` keeps working as it always did.
import { distance, UsageError } from './args.js'

type Run = (argv: readonly string[]) => Promise<void> | void

interface Command {
  summary: string
  /** Loaded on use: `token` need not load the gateway, nor `serve` the load generator. */
  load: () => Promise<Run>
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run the gateway (the default command)', load: async () => (await import('./serve.js')).runServe },
  loadtest: { summary: 'put load on a running gateway or any Socket.IO server; live progress, JSON and HTML reports', load: async () => (await import('./loadtest.js')).loadtest },
  token: { summary: 'mint a JWT for AUTH_MODE=jwt with the gateway\'s key', load: async () => (await import('./token.js')).token },
  'hash-password': { summary: 'make a bcrypt hash for ADMIN_PASSWORD_HASH from a prompt or stdin', load: async () => (await import('./hash-password.js')).hashPassword }
}

export const HELP = `Usage: socketgate [command] [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`).join('\n')}

Run "socketgate <command> --help" for a command's options ("socketgate serve --help" lists
every setting of the gateway with its environment variable).`

function usageError (command: string | undefined, err: UsageError): never {
  const where = command ? `socketgate ${command}` : 'socketgate'
  process.stderr.write(`${where}: ${err.message}\nRun "${where} --help" for usage.\n`)
  process.exit(2)
}

export async function main (argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP + '\n')
    return
  }
  // `socketgate --port 8080` is `socketgate serve --port 8080`.
  const [name, args] = first === undefined || first.startsWith('-') ? ['serve', argv] : [first, rest]
  const command = COMMANDS[name]
  if (!command) {
    const near = Object.keys(COMMANDS).find((known) => distance(name, known) <= 2)
    usageError(undefined, new UsageError(`unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')}${near ? ` (did you mean ${near}?)` : ''}`))
  }
  try {
    await (await command.load())(args)
  } catch (err) {
    if (err instanceof UsageError) usageError(name, err)
    process.stderr.write(`socketgate ${name}: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  }
}

await main(process.argv.slice(2))
