// The docs' examples agree with each other and with what runs: the README's scrape example is
// prometheus.yml's job, every `socketgate` command line in the docs parses, bcrypt hashes are
// quoted one way (and that way survives a shell), compose gives every node one admin password,
// and the docs say where admin sessions live as the code keeps them.
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { promisify } from 'node:util'
import bcrypt from 'bcryptjs'
import t from 'tap'
import YAML from 'yaml'
import { parseArgs } from '../src/cli/args.js'
import { hashPasswordOptions } from '../src/cli/hash-password.js'
import { parseLoadtestArgs } from '../src/cli/loadtest.js'
import { tokenOptions } from '../src/cli/token.js'

const run = promisify(execFile)
const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
const DOCS = ['README.md', ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const docs = DOCS.map((path) => ({ path, text: read(path) }))

t.test('the README\'s scrape example is prometheus.yml\'s socketgate job', async (t) => {
  const readme = read('README.md')
  const block = codeBlocks(readme).filter((b) => b.lang === 'yaml').map((b) => b.body).find((b) => b.includes('scrape_configs'))
  t.ok(block, 'the README has a scrape example')
  type Scrape = { scrape_configs: Array<{ job_name: string, static_configs: Array<{ targets: string[] }> }> }
  const targets = (doc: Scrape): string[] => doc.scrape_configs.find((j) => j.job_name === 'socketgate')!.static_configs.flatMap((c) => c.targets).sort()
  t.same(targets(YAML.parse(block!) as Scrape), targets(YAML.parse(read('prometheus.yml')) as Scrape))
})

/** Fenced code blocks of a Markdown text, with their language. */
function codeBlocks (text: string): Array<{ lang: string, body: string }> {
  const blocks: Array<{ lang: string, body: string }> = []
  let open: { lang: string, lines: string[] } | undefined
  for (const line of text.split('\n')) {
    const fence = /^\s*```(\w*)\s*$/.exec(line)
    if (fence && !open) open = { lang: fence[1]!, lines: [] }
    else if (fence && open) { blocks.push({ lang: open.lang, body: open.lines.join('\n') }); open = undefined }
    else open?.lines.push(line)
  }
  return blocks
}

/** Splits a shell command line into words: quotes removed, "$VAR" kept as a placeholder value. */
function words (line: string): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!)
  return out
}

t.test('every socketgate command line in the docs parses with the command\'s own parser', async (t) => {
  let seen = 0
  for (const { path, text } of docs) {
    for (const block of codeBlocks(text).filter((b) => ['', 'sh', 'bash'].includes(b.lang))) {
      for (const raw of block.body.split('\n')) {
        const m = /(?:npx )?socketgate (loadtest|token|hash-password)\b(.*)/.exec(raw.replace(/\s+#.*$/, '').replace(/[)'"]+$/, ''))
        if (!m) continue
        seen++
        const args = words(m[2]!.replace(/<\s*\S+/, ''))
        const parse = (): unknown => m[1] === 'loadtest'
          ? parseLoadtestArgs(args)
          : parseArgs(args, m[1] === 'token' ? tokenOptions : hashPasswordOptions)
        t.doesNotThrow(parse, `${path}: ${raw.trim()}`)
      }
    }
  }
  t.ok(seen >= 6, `${seen} command lines checked`)
})

t.test('bcrypt hashes are written one way, in single quotes, and that way keeps a real hash intact', async (t) => {
  for (const { path, text } of [...docs, { path: 'docker-compose.yml', text: read('docker-compose.yml') }]) {
    t.notMatch(text, /npx bcrypt/, `${path}: the hash is made with socketgate hash-password`)
    t.notMatch(text, /\$\$2b|\$\$ in|as `\$\$`/, `${path}: no $$-doubling rule`)
    for (const m of text.matchAll(/ADMIN_PASSWORD_HASH=(\S+)/g)) {
      t.match(m[1], /^('|\$\(|<|the\b|\(hidden\))/, `${path}: ADMIN_PASSWORD_HASH=${m[1]} is single-quoted (or a command's output)`)
    }
  }
  // What the docs promise for a shell: single quotes keep every $, the other ways do not.
  const hash = await bcrypt.hash('pw', 4)
  const echo = async (assignment: string): Promise<string> => (await run('sh', ['-c', `${assignment}; printf %s "$ADMIN_PASSWORD_HASH"`])).stdout
  t.equal(await echo(`ADMIN_PASSWORD_HASH='${hash}'`), hash)
  t.not(await echo(`ADMIN_PASSWORD_HASH="${hash}"`), hash, 'double quotes expand $2b…')
})

t.test('compose gives every gateway node the one admin password hash, required', async (t) => {
  const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { build?: unknown, environment?: Record<string, string> }> }
  const values = Object.values(compose.services).filter((s) => s.build !== undefined).map((s) => s.environment?.ADMIN_PASSWORD_HASH)
  t.ok(values.length >= 2)
  t.equal(new Set(values).size, 1, 'the same value on every node')
  t.match(values[0], /^\$\{ADMIN_PASSWORD_HASH:\?.+\}$/, 'required: compose stops when it is not set, rather than each node generating its own')
})

t.test('the docs say where admin sessions live as the code keeps them', async (t) => {
  const key = /`\$\{prefix\}(:admin-session:)`/.exec(read('src/plugins/cluster.ts'))?.[1]
  t.equal(key, ':admin-session:', 'the cluster plugin keeps them under <prefix>:admin-session:')
  for (const path of ['docs/admin-ui.md', 'docs/scale-out.md']) t.match(read(path), /admin-session:<id>`, 24 h/, `${path} says Redis, 24 h`)
  t.match(read('docs/admin-ui.md'), /On a single node sessions live in the gateway's memory/)
})

t.test('no doc points at the load generator that was replaced', async (t) => {
  for (const { path, text } of docs) t.notMatch(text, /npm run load|bench\/chat-load/, path)
})
