// Log lines for a person at a terminal: `12:03:04.123 INFO  message key=value`, colored, without
// pid, hostname or epoch times; a request is one line (`GET /api/v1/publish 200 3.1 ms`); an
// error shows its stack. pino still builds the same JSON object: this only formats it.
const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '90'], 20: ['DEBUG', '90'], 30: ['INFO ', '32'], 40: ['WARN ', '33'], 50: ['ERROR', '31'], 60: ['FATAL', '35']
}
/** Keys every line has, shown in another form, or for machines only (the start-up summary's). */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'req', 'res', 'responseTime', 'err', 'reqId', 'startup', 'version'])

export interface PrettyOptions {
  color: boolean
  write: (text: string) => void
}

type Line = Record<string, unknown> & { level?: number, time?: number, msg?: string }

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

function value (v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
  return JSON.stringify(v)
}

export function formatLine (line: Line, color: boolean): string {
  const paint = (code: string, text: string): string => color ? `\x1b[${code}m${text}\x1b[0m` : text
  const time = new Date(line.time ?? Date.now())
  const stamp = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`
  const [name, code] = LEVELS[line.level ?? 30] ?? ['LOG  ', '0']
  let msg = line.msg ?? ''
  const req = line.req as { method?: string, url?: string } | undefined
  const res = line.res as { statusCode?: number } | undefined
  if (msg === 'request completed' && req && res) {
    msg = `${req.method} ${req.url} ${res.statusCode} ${typeof line.responseTime === 'number' ? `${line.responseTime.toFixed(1)} ms` : ''}`.trimEnd()
  } else if (msg === 'incoming request' && req) {
    msg = `${req.method} ${req.url} …`
  }
  // A value the message already says (a URL, a user name) is not repeated after it.
  const extras = Object.entries(line)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined && !(typeof v === 'string' && v.length > 2 && msg.includes(v)))
    .map(([k, v]) => `${k}=${value(v)}`)
  // Continuation lines (the start-up summary) line up under the message.
  const indent = ' '.repeat(stamp.length + name.length + 2)
  let text = `${paint('90', stamp)} ${paint(code, name)} ${msg.replaceAll('\n', `\n${indent}`)}`
  if (extras.length > 0) text += ' ' + paint('90', extras.join(' '))
  const err = line.err as { type?: string, message?: string, stack?: string } | undefined
  if (err) text += '\n' + paint('90', (err.stack ?? `${err.type}: ${err.message}`).split('\n').map((l) => `${indent}${l}`).join('\n'))
  return text + '\n'
}

/** A pino destination: takes pino's JSON lines and writes them formatted. */
export function prettyStream ({ color, write }: PrettyOptions): { write: (chunk: string) => void } {
  return {
    write (chunk: string) {
      for (const raw of chunk.split('\n')) {
        if (raw === '') continue
        let line: Line
        try {
          line = JSON.parse(raw) as Line
        } catch {
          write(raw + '\n')
          continue
        }
        write(formatLine(line, color))
      }
    }
  }
}
