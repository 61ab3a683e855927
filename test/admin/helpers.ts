// Shared by the admin UI's tests: log capture, operators connecting to /admin, and what they hear.
import { Writable } from 'node:stream'
import bcrypt from 'bcryptjs'
import { io as ioc, type ManagerOptions, type Socket } from 'socket.io-client'
import type { Test } from 'tap'

export type Line = Record<string, unknown> & { level: number, msg: string }

/** A pino destination that keeps every line and lets a test wait for one. */
export function captureLogs () {
  const lines: Line[] = []
  const waiting: Array<{ match: (l: Line) => boolean, resolve: (l: Line) => void }> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Line
        lines.push(line)
        for (const w of waiting.filter((w) => w.match(line))) {
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve(line)
        }
      }
      done()
    }
  })
  const waitFor = (match: (l: Line) => boolean, timeoutMs = 2000): Promise<Line> => {
    const found = lines.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms`)), timeoutMs)
      waiting.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l) } })
    })
  }
  return { logger: { level: 'info', stream }, lines, waitFor }
}

export const PASSWORD = 'correct horse battery staple'
/** Cost 4: the tests' logins stay cheap; the throttle tests that need slow checks make their own. */
export const hashOf = (password = PASSWORD, cost = 4): Promise<string> => bcrypt.hash(password, cost)

export interface AdminConfig { supportedFeatures: string[] }

/** An admin-namespace client that records every event it hears, in order. */
export interface Operator {
  socket: Socket
  config: AdminConfig
  /** Every event heard so far: name and arguments. */
  heard: Array<[string, ...unknown[]]>
  /** Resolves with the arguments of the first event named `event` (heard already or next) matching `match`. */
  next: <A extends unknown[] = unknown[]>(event: string, match?: (...args: A) => boolean, timeoutMs?: number) => Promise<A>
}

/** Connects to /admin on its own connection (as the UI does) and resolves once `config` arrived. */
export async function connectAdmin (t: Test, gw: { url: string }, auth: Record<string, unknown>, opts: Partial<ManagerOptions> = {}): Promise<Operator> {
  const socket = ioc(`${gw.url}/admin`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, ...opts })
  t.teardown(() => { socket.disconnect() })
  const heard: Operator['heard'] = []
  const waiting = new Set<{ event: string, match: (...args: any[]) => boolean, resolve: (args: any) => void }>()
  socket.onAny((event: string, ...args: unknown[]) => {
    heard.push([event, ...args])
    for (const w of waiting) {
      if (w.event === event && w.match(...args)) {
        waiting.delete(w)
        w.resolve(args)
      }
    }
  })
  const next: Operator['next'] = (event, match = () => true, timeoutMs = 5000) => {
    const found = heard.find(([name, ...args]) => name === event && match(...(args as any)))
    if (found) return Promise.resolve(found.slice(1) as any)
    return new Promise((resolve, reject) => {
      const entry = { event, match: match as (...args: any[]) => boolean, resolve }
      waiting.add(entry)
      setTimeout(() => {
        if (!waiting.delete(entry)) return
        reject(new Error(`no matching "${event}" within ${timeoutMs} ms; heard: ${heard.map(([n]) => n).join(', ')}`))
      }, timeoutMs)
    })
  }
  const [config] = await new Promise<[AdminConfig]>((resolve, reject) => {
    socket.once('connect_error', reject)
    next<[AdminConfig]>('config').then(resolve, reject)
  })
  return { socket, config, heard, next }
}
