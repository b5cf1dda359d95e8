import type { BenchResult, BenchSuite } from './suite.js'

const startMarker = (id: string) => `<!-- bench:${id}:start -->`
const endMarker = (id: string) => `<!-- bench:${id}:end -->`

/** Renders one suite's result as a Markdown section wrapped in its markers. */
export function renderSection(suite: BenchSuite, result: BenchResult, environment: string): string {
  const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row.figures)))]
  const lines = [
    startMarker(suite.id),
    `## ${suite.title}`,
    '',
    `Target: ${result.target} — **${result.met ? 'met' : 'not met'}**. ${environment}`,
    '',
    `| subject | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...result.rows.map(
      (row) => `| ${row.subject} | ${columns.map((c) => row.figures[c] ?? '').join(' | ')} |`,
    ),
  ]
  if (result.notes?.length) lines.push('', ...result.notes.map((note) => `- ${note}`))
  lines.push(endMarker(suite.id))
  return lines.join('\n')
}

/**
 * Replaces the section of `suiteId` in `document` (or appends it), leaving every other suite's
 * section untouched, so `pnpm bench <id>` refreshes one table without erasing the rest.
 */
export function upsertSection(document: string, suiteId: string, section: string): string {
  const start = document.indexOf(startMarker(suiteId))
  const end = document.indexOf(endMarker(suiteId))
  if (start === -1 || end === -1 || end < start) return `${document.trimEnd()}\n\n${section}\n`
  return document.slice(0, start) + section + document.slice(end + endMarker(suiteId).length)
}
