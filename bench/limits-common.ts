// Shared by the limits benchmarks: start bench/limits-server.ts with settings, talk to it over IPC.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { SERVER_FLAGS } from './server-flags.js'

export interface BenchServer { child: ChildProcess, url: string, ask: <T>(msg: object) => Promise<T>, stop: () => Promise<void> }

export async function startServer (env: Record<string, string>, cores = process.env.SERVER_CORES ?? '0'): Promise<BenchServer> {
  const child = spawn('taskset', ['-c', cores, process.execPath, ...SERVER_FLAGS, '--expose-gc', '--import', 'tsx', new URL('limits-server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...env }
  })
  process.on('exit', () => child.kill('SIGKILL'))
  const lines = createInterface({ input: child.stdout! })
  const [line] = await once(lines, 'line') as [string]
  const port = /^READY (\d+)$/.exec(line)?.[1]
  if (!port) throw new Error(`server said: ${line}`)
  const ask = async <T>(msg: object): Promise<T> => {
    child.send(msg)
    const [answer] = await once(child, 'message') as [T]
    return answer
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    ask,
    stop: async () => {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
}

export const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
export const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN
