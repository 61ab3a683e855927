// Docs that list what the code defines must list exactly that.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { ALL_ERROR_CODES } from '../src/errors.js'
import { configTable, END, START } from '../scripts/config-table.js'

t.test('docs/errors.md lists exactly the codes src/errors.ts defines', async (t) => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const documented = [...doc.matchAll(/^\| `(SG_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort()
  t.same(documented, [...ALL_ERROR_CODES].sort())
})

t.test('the README configuration table is the one generated from the schema (npm run docs:config)', async (t) => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim()
  t.equal(section, configTable())
})
