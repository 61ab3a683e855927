#!/usr/bin/env node
// `socketgate [command] …`: one entry point for the gateway and its tools. No command (or a
// flag first) means `serve`, so `socketgate --port 8080` keeps working as it always did.
import { distance, UsageError } from './args.js'
import { hashPassword } from './hash-password.js'
import { loadtest } from './loadtest.js'
import { runServe } from './serve.js'
import { token } from './token.js'

interface Command {
  summary: string
  run: (argv: readonly string[]) => Promise<void>
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run the gateway (the default command)', run: async () => {} },
  loadtest: { summary: 'put load on a running gateway or any Socket.IO server; live progress, JSON and HTML reports', run: loadtest },
  token: { summary: 'mint a JWT for AUTH_MODE=jwt with the gateway\'s key', run: token },
  'hash-password': { summary: 'make a bcrypt hash for ADMIN_PASSWORD_HASH from a prompt or stdin', run: hashPassword }
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

export function main (argv: readonly string[]): void {
  const [first, ...rest] = argv
  if (first === undefined || first.startsWith('-') && first !== '--help' && first !== '-h') return runServe(argv)
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP + '\n')
    return
  }
  if (first === 'serve') return runServe(rest)
  const command = COMMANDS[first]
  if (!command) {
    const near = Object.keys(COMMANDS).find((name) => distance(first, name) <= 2)
    usageError(undefined, new UsageError(`unknown command ${JSON.stringify(first)}; expected one of ${Object.keys(COMMANDS).join(', ')}${near ? ` (did you mean ${near}?)` : ''}`))
  }
  command.run(rest).catch((err: unknown) => {
    if (err instanceof UsageError) usageError(first, err)
    process.stderr.write(`socketgate ${first}: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  })
}

main(process.argv.slice(2))
