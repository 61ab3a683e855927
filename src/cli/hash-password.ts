// `socketgate hash-password`: a bcrypt hash for ADMIN_PASSWORD_HASH, from a password typed at a
// prompt (not echoed, asked twice) or read from stdin (its first line). The hash alone goes to
// stdout, so `ADMIN_PASSWORD_HASH=$(socketgate hash-password < file)` works.
import bcrypt from 'bcryptjs'
import { option, optionsHelp, parseArgs, UsageError } from './args.js'

export const hashPasswordOptions = {
  cost: option.integer('bcrypt cost: each step doubles the work of a login and of a guess', 4, 31, { default: 12 })
}

export const HASH_PASSWORD_HELP = `Usage: socketgate hash-password [--cost 12]

Reads a password (typed at a prompt, or the first line of stdin) and prints its bcrypt hash for
ADMIN_PASSWORD_HASH. Put the hash in single quotes wherever you write it ($ would expand):
  export ADMIN_PASSWORD_HASH='$2b$12$…'        (shell)
  ADMIN_PASSWORD_HASH='$2b$12$…'               (.env file, e.g. next to docker-compose.yml)

Options:
${optionsHelp(hashPasswordOptions)}`

/** Reads one line from a terminal without echoing it. */
function prompt (question: string): Promise<string> {
  const { stdin, stderr } = process
  return new Promise((resolve, reject) => {
    stderr.write(question)
    let typed = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (err?: Error): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stderr.write('\n')
      if (err) reject(err)
      else resolve(typed)
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new UsageError('cancelled'))
        if (ch === '\u0004') return done()
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
        else if (ch >= ' ') typed += ch
      }
    }
    stdin.on('data', onData)
  })
}

async function fromStdin (): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  // The first line: `echo secret | …` adds a newline that is not part of the password.
  return text.split(/\r?\n/)[0] ?? ''
}

export async function readPassword (): Promise<string> {
  if (!process.stdin.isTTY) return fromStdin()
  const first = await prompt('Password: ')
  if (first === '') return first
  const again = await prompt('Again: ')
  if (again !== first) throw new UsageError('the two passwords differ; nothing was hashed')
  return first
}

export async function hashPassword (argv: readonly string[]): Promise<void> {
  const { values, positionals, help } = parseArgs(argv, hashPasswordOptions, process.env)
  if (help) {
    process.stdout.write(HASH_PASSWORD_HELP + '\n')
    return
  }
  if (positionals.length > 0) {
    // A password on the command line ends up in shell history and `ps`: refused on purpose.
    throw new UsageError('the password is read from a prompt or stdin, not from arguments (they end up in shell history); e.g. socketgate hash-password < file')
  }
  const password = await readPassword()
  if (password === '') throw new UsageError('empty password; expected at least one character')
  // bcrypt uses the first 72 bytes only: a longer password would silently match its prefix.
  if (Buffer.byteLength(password) > 72) throw new UsageError(`the password is ${Buffer.byteLength(password)} bytes; bcrypt reads at most 72`)
  const hash = await bcrypt.hash(password, values.cost)
  process.stdout.write(hash + '\n')
  if (process.stdin.isTTY) process.stderr.write(`Set it in single quotes: ADMIN_PASSWORD_HASH='${hash}'\n`)
}
