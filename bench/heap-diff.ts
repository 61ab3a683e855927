// What the heap of a server holds per connection, by constructor, and where two servers differ:
// from the snapshots bench/heap-per-connection.ts writes with SNAPSHOT=<dir>.
//   node --max-old-space-size=4000 --import tsx bench/heap-diff.ts <dir> <connections> [round=0] [rows=40]
import { readFileSync } from 'node:fs'

interface Entry { count: number, size: number }
type Totals = Map<string, Entry>

/** Self sizes by node type and constructor (strings and code lumped). */
function totals (file: string): Totals {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[], node_types: [string[]] } }, nodes: number[], strings: string[] }
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number]
  const out: Totals = new Map()
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const t = types[snap.nodes[i + type]!]!
    const n = t.endsWith('string') ? '(strings)' : t === 'code' ? '(compiled code)' : snap.strings[snap.nodes[i + name]!]!.slice(0, 50)
    const key = `${t}: ${n}`
    const e = out.get(key) ?? { count: 0, size: 0 }
    e.count++
    e.size += snap.nodes[i + size]!
    out.set(key, e)
  }
  return out
}

/** after − before, per connection. */
function perConnection (before: Totals, after: Totals, n: number): Totals {
  const out: Totals = new Map()
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key) ?? { count: 0, size: 0 }
    const a = after.get(key) ?? { count: 0, size: 0 }
    out.set(key, { count: (a.count - b.count) / n, size: (a.size - b.size) / n })
  }
  return out
}

const [dir, nArg, round = '0', rowsArg = '40'] = process.argv.slice(2)
const n = Number(nArg)
const load = (variant: string) => perConnection(totals(`${dir}/${variant}-${round}-0.heapsnapshot`), totals(`${dir}/${variant}-${round}-${n}.heapsnapshot`), n)
const plain = load('plain')
const gateway = load('gateway')
const sum = (t: Totals) => [...t.values()].reduce((s, e) => s + e.size, 0)
process.stdout.write(`bytes per connection: plain ${sum(plain).toFixed(0)}, socketgate ${sum(gateway).toFixed(0)}\n\n`)
process.stdout.write(`${'type: constructor'.padEnd(60)} ${'Δ bytes'.padStart(8)} ${'Δ count'.padStart(8)}   plain (count, bytes)   socketgate\n`)
const rows = [...new Set([...plain.keys(), ...gateway.keys()])].map((key) => {
  const p = plain.get(key) ?? { count: 0, size: 0 }
  const g = gateway.get(key) ?? { count: 0, size: 0 }
  return { key, p, g, d: g.size - p.size }
}).sort((a, b) => Math.abs(b.d) - Math.abs(a.d)).slice(0, Number(rowsArg))
for (const { key, p, g, d } of rows) {
  process.stdout.write(`${key.padEnd(60)} ${d.toFixed(0).padStart(8)} ${(g.count - p.count).toFixed(2).padStart(8)}   ${p.count.toFixed(2).padStart(6)} ${p.size.toFixed(0).padStart(6)}   ${g.count.toFixed(2).padStart(6)} ${g.size.toFixed(0).padStart(6)}\n`)
}
