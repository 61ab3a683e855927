// Runs the `socketgate` command as users do (`node bin/socketgate.js …`, dist/ built first when
// src/ changed), and starts processes whose signals and logs a test follows.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuilt } from '../../bin/build.js'
import { freePort } from '../free-port.js'
export { freePort }

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/socketgate.js', import.meta.url))

/** Builds dist/ once if src/ changed (every test file that runs the command calls it first). */
export function built (): void {
  ensureBuilt()
}

/** The test's own Node first on PATH: npm, and what npm starts, run on the version under test. */
export function childEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...extra }
  // tap's TypeScript loader is for the test process, not for what it starts.
  delete env.NODE_OPTIONS
  for (const key of Object.keys(env)) if (key.startsWith('npm_') || key.startsWith('TAP')) delete env[key]
  return env
}

export interface Run { code: number | null, stdout: string, stderr: string }

/** `socketgate …args` to completion, with `input` on stdin. */
export function runCli (args: string[], opts: { env?: Record<string, string>, input?: string, timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(opts.env), timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr })
    })
    child.stdin!.end(opts.input ?? '')
  })
}

export interface Watched {
  child: ChildProcess
  /** JSON log lines of the gateway, in order. */
  logs: Array<Record<string, unknown>>
  output: () => string
  /** The first log line whose msg matches, already written or still to come. */
  logged: (msg: string | RegExp, timeoutMs?: number) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts `command args` and follows its stdout as JSON log lines (other lines are kept as text). */
export function watch (t: { teardown: (fn: () => unknown) => void }, command: string, args: string[], opts: { env?: Record<string, string>, detached?: boolean } = {}): Watched {
  const child = spawn(command, args, { cwd: ROOT, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const logs: Array<Record<string, unknown>> = []
  let text = ''
  let buffered = ''
  const wake = new Set<() => void>()
  child.stderr!.on('data', (chunk: Buffer) => { text += chunk.toString() })
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      } catch { /* npm's own lines */ }
    }
    for (const w of wake) w()
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // The whole group when detached: npm and what it started.
      if (opts.detached) {
        try { process.kill(-child.pid!, 'SIGKILL') } catch {}
      } else child.kill('SIGKILL')
    }
    await exited
  })
  const logged = (msg: string | RegExp, timeoutMs = 60_000): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const find = (): Record<string, unknown> | undefined => logs.find((l) => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)))
    const check = (): void => {
      const line = find()
      if (line) { cleanup(); resolve(line) }
    }
    const gone = (): void => { setImmediate(() => { check(); cleanup(); reject(new Error(`exited before logging ${String(msg)}; output:\n${text}`)) }) }
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no log line ${String(msg)} within ${timeoutMs} ms; output:\n${text}`)) }, timeoutMs)
    const cleanup = (): void => { clearTimeout(timer); wake.delete(check); child.off('exit', gone) }
    wake.add(check)
    child.once('exit', gone)
    check()
  })
  return { child, logs, output: () => text, logged, exited }
}

/** True while a process with this pid runs (an exited one its new parent has not reaped yet does not). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}
