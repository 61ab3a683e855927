// A benchmark's helper processes: each pinned to a core with taskset, running a bench/ script
// through tsx, answering on stdout in lines "<PREFIX> <rest>". Every process started here is
// killed when the benchmark exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

const children = new Set<ChildProcess>()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1))

export interface Pinned {
  child: ChildProcess
  /** The rest of the next line that starts with `prefix` and a space. */
  line: (prefix: string) => Promise<string>
}

/** Starts `script` (a file of bench/) on `core` with Node `flags` and `env` added to this process's. */
export function startPinned (core: string, flags: string[], script: string, args: string[], env: NodeJS.ProcessEnv = {}): Pinned {
  const child = spawn('taskset', ['-c', core, process.execPath, ...flags, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const waiting: Array<{ prefix: string, resolve: (rest: string) => void }> = []
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const i = waiting.findIndex((w) => l.startsWith(w.prefix + ' '))
    if (i < 0) return
    const [w] = waiting.splice(i, 1)
    w!.resolve(l.slice(w!.prefix.length + 1))
  })
  return {
    child,
    line: (prefix) => new Promise((resolve, reject) => {
      waiting.push({ prefix, resolve: (rest) => { resolve(rest.trim()) } })
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before "${prefix}"`)))
    })
  }
}
