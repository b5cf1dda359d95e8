import { describe, expect, it } from 'vitest'
import { renderSection, upsertSection } from './report.js'
import type { Scenario, ScenarioResult } from './scenario.js'

const scenario: Scenario = { id: 'demo', title: 'Demo', run: () => Promise.reject(new Error('not run')) }
const result: ScenarioResult = {
  rows: [{ phase: 'all', requests: 1_234, errors: 0, p50Ms: 5, p99Ms: 40 }],
  verdicts: [
    { invariant: 'zero errors', holds: true, measured: '0 of 1234 failed', violations: [] },
    { invariant: 'ids | exact', holds: false, measured: '1 wrong', violations: ['id 3 answered as 4'] },
  ],
  notes: ['a note'],
  history: { clients: [], upstream: [], phases: [], endedAt: 0 },
}

describe('report', () => {
  it('renders the table, every verdict and the violations, with pipes escaped', () => {
    const section = renderSection(scenario, result, 'short', 'Node v20, 2 × CPU, 2026-01-01 00:00 UTC.')
    expect(section).toContain(
      'Profile **short**, Node v20, 2 × CPU, 2026-01-01 00:00 UTC. Invariant violations: **1** of 2.',
    )
    expect(section).toContain('| all | 1,234 | 0 | 5 | 40 |')
    expect(section).toContain('| ids \\| exact | **violated** | 1 wrong |')
    expect(section).toContain('- ids \\| exact: id 3 answered as 4')
    expect(section.startsWith('<!-- chaos:demo:start -->')).toBe(true)
  })

  it('reports targets apart from the invariants, as not asserted', () => {
    const withTarget = {
      ...result,
      targets: [{ invariant: 'p99 within 2×', holds: false, measured: '3.1×', violations: ['p99 724 ms'] }],
    }
    const section = renderSection(scenario, withTarget, 'long', 'Node.')
    expect(section).toContain('Invariant violations: **1** of 2. Targets not met: 1 of 1.')
    expect(section).toContain('| target (reported, not asserted): p99 within 2× | **not met** | 3.1× |')
  })

  it('renders a delivery table per client kind when the scenario has streaming clients', () => {
    const withDeliveries: ScenarioResult = {
      ...result,
      deliveries: [
        { kind: 'ws heads', clients: 3, deliveries: 1_050, violations: 0, p50DelayMs: 31, p99DelayMs: 240 },
      ],
    }
    const section = renderSection(scenario, withDeliveries, 'short', 'Node.')
    expect(section).toContain(
      '| client kind | clients | deliveries | violations | p50 delay ms | p99 delay ms |',
    )
    expect(section).toContain('| ws heads | 3 | 1,050 | 0 | 31 | 240 |')
    expect(renderSection(scenario, result, 'short', 'Node.')).not.toContain('| client kind |')
  })

  it('upserts one scenario without touching the others', () => {
    const first = upsertSection('# Title\n', 'a', '<!-- chaos:a:start -->\nA1\n<!-- chaos:a:end -->')
    const both = upsertSection(first, 'b', '<!-- chaos:b:start -->\nB1\n<!-- chaos:b:end -->')
    const updated = upsertSection(both, 'a', '<!-- chaos:a:start -->\nA2\n<!-- chaos:a:end -->')
    expect(updated).toContain('A2')
    expect(updated).not.toContain('A1')
    expect(updated).toContain('B1')
  })
})
