/**
 * `pnpm bench [suite-id...]`: runs the benchmark suites (all by default), prints each table and writes
 * it into docs/benchmarks.md. Figures are reported against their targets, never asserted.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { renderSection, upsertSection } from './report.js'
import { suites } from './suites/index.js'

const docPath = new URL('../../docs/benchmarks.md', import.meta.url)
const header = `# Benchmarks

Produced by \`pnpm bench\` (one suite: \`pnpm bench <id>\`). Every figure for ChainPulse is measured in the
same run as its baseline, on the same machine, so rows compare side by side. Targets come from the issues;
they are reported here, never asserted in tests.
`

const wanted = process.argv.slice(2)
const selected = wanted.length ? suites.filter((suite) => wanted.includes(suite.id)) : suites
if (wanted.length && selected.length !== wanted.length) {
  console.error(`unknown suite; known: ${suites.map((suite) => suite.id).join(', ')}`)
  process.exit(2)
}

const environment = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${new Date().toISOString().slice(0, 10)}.`
let document: string
try {
  document = readFileSync(docPath, 'utf8')
} catch {
  document = header
}

for (const suite of selected) {
  console.log(`\n▶ ${suite.title}`)
  const result = await suite.run()
  const section = renderSection(suite, result, environment)
  console.log(section.split('\n').slice(1, -1).join('\n'))
  document = upsertSection(document, suite.id, section)
  writeFileSync(docPath, document)
}
console.log(`\nwrote ${docPath.pathname}`)
