// Where the instructions of an echo go, per function: variant b minus variant a, from the files
// bench/instructions.ts keeps in CALLGRIND_DIR. callgrind knows V8's JIT code only by address;
// each server also wrote a map of its JIT code (--perf-basic-prof, kept next to its callgrind
// files), which names it. Instructions are summed over the processes of a variant and divided
// by their acks. EVENT picks another of callgrind's counts than instructions (Ir): with
// VALGRIND_ARGS="--cache-sim=yes --branch-sim=yes", D1mr/D1mw (L1 data misses), ILmr/DLmr/DLmw
// (last-level misses), I1mr, Bcm/Bim (mispredicted conditional and indirect branches).
//   VARIANTS=off,on CALLGRIND_DIR=/tmp/cg node --import tsx bench/instructions.ts
//   [EVENT=Ir] node --import tsx bench/functions.ts /tmp/cg [a=off] [b=on] [rows=30]
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const [dir, a = 'off', b = 'on', rows = '30'] = process.argv.slice(2)
const event = process.env.EVENT ?? 'Ir'
if (!dir) {
  console.error('usage: node --import tsx bench/functions.ts <CALLGRIND_DIR> [a=off] [b=on] [rows=30]')
  process.exit(2)
}

interface Code { start: number, end: number, name: string }

/** A perf map: "<start hex> <size hex> <name>" per line, sorted by start. */
function codeMap (path: string): Code[] {
  if (!existsSync(path)) return []
  const codes: Code[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [start, size, ...name] = line.split(' ')
    if (!start || !size) continue
    const s = parseInt(start, 16)
    codes.push({ start: s, end: s + parseInt(size, 16), name: name.join(' ') })
  }
  return codes.sort((x, y) => x.start - y.start)
}

/** The code holding `address`: the last one starting at or before it (V8 reuses addresses; a later entry wins). */
function nameAt (codes: Code[], address: number): string | undefined {
  let lo = 0
  let hi = codes.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (codes[mid]!.start <= address) { found = mid; lo = mid + 1 } else hi = mid - 1
  }
  return found >= 0 && address < codes[found]!.end ? codes[found]!.name : undefined
}

/** Events (instructions by default) per echo by function, over every process of `variant`. */
function perEcho (variant: string): Map<string, number> {
  const totals = new Map<string, number>()
  let acks = 0
  const processes = readdirSync(dir!).filter((f) => f.startsWith(`${variant}-`) && f.endsWith('.acks')).map((f) => f.slice(0, -'.acks'.length))
  if (processes.length === 0) {
    console.error(`no ${variant}-*.acks in ${dir}: run bench/instructions.ts with CALLGRIND_DIR=${dir} and ${variant} among its VARIANTS`)
    process.exit(2)
  }
  for (const p of processes) {
    acks += Number(readFileSync(join(dir!, `${p}.acks`), 'utf8'))
    const codes = codeMap(join(dir!, `${p}.map`))
    for (const file of readdirSync(dir!).filter((f) => f.startsWith(`${p}.cg`))) {
      const events = /^events: (.*)$/m.exec(readFileSync(join(dir!, file), 'utf8'))?.[1]?.split(' ') ?? []
      if (!events.includes(event)) {
        console.error(`${file} has no ${event} counts (it has ${events.join(', ')}); misses and mispredicts need VALGRIND_ARGS="--cache-sim=yes --branch-sim=yes"`)
        process.exit(2)
      }
      const out = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', `--show=${event}`, `--sort=${event}`, join(dir!, file)], { encoding: 'utf8', maxBuffer: 64 << 20 })
      for (const line of out.split('\n')) {
        const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$/.exec(line)
        if (!m || !(m[2]!.includes(':'))) continue
        let name = m[2]!.trim()
        const jit = /^\?\?\?:0x([0-9a-f]+)/.exec(name)
        if (jit) name = nameAt(codes, parseInt(jit[1]!, 16)) ?? 'JIT code (no map)'
        totals.set(name, (totals.get(name) ?? 0) + Number(m[1]!.replace(/,/g, '')))
      }
    }
  }
  for (const [name, n] of totals) totals.set(name, n / acks)
  return totals
}

const ra = perEcho(a)
const rb = perEcho(b)
const sum = (m: Map<string, number>): number => [...m.values()].reduce((x, y) => x + y, 0)
const diffs = [...new Set([...ra.keys(), ...rb.keys()])].map((name) => ({ name, a: ra.get(name) ?? 0, b: rb.get(name) ?? 0 }))
diffs.sort((x, y) => (y.b - y.a) - (x.b - x.a))
// Misses per echo are small numbers: two decimals.
const fmt = (n: number): string => n.toFixed(event === 'Ir' ? 0 : 2).padStart(7)
console.log(`${event === 'Ir' ? 'instructions' : event} per echo: ${a} ${fmt(sum(ra)).trim()}, ${b} ${fmt(sum(rb)).trim()} (${b} - ${a}: ${fmt(sum(rb) - sum(ra)).trim()})`)
console.log(`${'b - a'.padStart(7)} ${a.padStart(7)} ${b.padStart(7)}  function`)
// The largest increases, then the largest decreases.
const top = Number(rows)
const bottom = Math.min(10, Math.max(0, diffs.length - top))
for (const d of [...diffs.slice(0, top), ...diffs.slice(diffs.length - bottom)]) {
  console.log(`${fmt(d.b - d.a)} ${fmt(d.a)} ${fmt(d.b)}  ${d.name.slice(0, 120)}`)
}
