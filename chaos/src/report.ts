import type { Profile, Scenario, ScenarioResult } from './scenario.js'

const startMarker = (id: string) => `<!-- chaos:${id}:start -->`
const endMarker = (id: string) => `<!-- chaos:${id}:end -->`

const number = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '—')

/**
 * Renders one scenario's run as a Markdown section wrapped in its markers: the profile and machine,
 * the table (requests, errors, p50/p99 per phase), every invariant's verdict, and the notes.
 */
export function renderSection(
  scenario: Scenario,
  result: ScenarioResult,
  profile: Profile,
  environment: string,
): string {
  const violated = result.verdicts.filter((verdict) => !verdict.holds).length
  const lines = [
    startMarker(scenario.id),
    `## ${scenario.id}. ${scenario.title}`,
    '',
    `Profile **${profile}**, ${environment} Invariant violations: **${violated}** of ${result.verdicts.length}.${targetsNotMet(result)}`,
    '',
    '| phase | requests | errors | p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
    ...result.rows.map(
      (row) =>
        `| ${row.phase} | ${number(row.requests)} | ${number(row.errors)} | ${number(row.p50Ms)} | ${number(row.p99Ms)} |`,
    ),
    ...deliveryTable(result),
    '',
    '| invariant | verdict | measured |',
    '|---|---|---|',
    ...result.verdicts.map(
      (verdict) =>
        `| ${cell(verdict.invariant)} | ${verdict.holds ? 'holds' : '**violated**'} | ${cell(verdict.measured)} |`,
    ),
    ...(result.targets ?? []).map(
      (target) =>
        `| target (reported, not asserted): ${cell(target.invariant)} | ${target.holds ? 'met' : '**not met**'} | ${cell(target.measured)} |`,
    ),
  ]
  const violations = [...result.verdicts, ...(result.targets ?? [])].flatMap((verdict) =>
    verdict.violations.map((violation) => `- ${cell(verdict.invariant)}: ${cell(violation)}`),
  )
  if (violations.length) lines.push('', 'Violations (first few each):', '', ...violations)
  if (result.notes.length) lines.push('', ...result.notes.map((note) => `- ${note}`))
  lines.push(endMarker(scenario.id))
  return lines.join('\n')
}

/** Keeps a table cell on one line and its pipes literal. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

/**
 * Replaces the section of `scenarioId` in `document` (or appends it), leaving the other scenarios'
 * sections untouched, so `pnpm chaos <id>` refreshes one table without erasing the rest.
 */
export function upsertSection(document: string, scenarioId: string, section: string): string {
  const start = document.indexOf(startMarker(scenarioId))
  const end = document.indexOf(endMarker(scenarioId))
  if (start === -1 || end === -1 || end < start) return `${document.trimEnd()}\n\n${section}\n`
  return document.slice(0, start) + section + document.slice(end + endMarker(scenarioId).length)
}

function deliveryTable(result: ScenarioResult): string[] {
  const rows = result.deliveries ?? []
  if (rows.length === 0) return []
  return [
    '',
    '| client kind | clients | deliveries | violations | p50 delay ms | p99 delay ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${cell(row.kind)} | ${number(row.clients)} | ${number(row.deliveries)} | ${number(row.violations)} | ${number(row.p50DelayMs)} | ${number(row.p99DelayMs)} |`,
    ),
  ]
}

function targetsNotMet(result: ScenarioResult): string {
  const targets = result.targets ?? []
  if (targets.length === 0) return ''
  return ` Targets not met: ${targets.filter((target) => !target.holds).length} of ${targets.length}.`
}
