import { describe, expect, it } from 'vitest'
import { renderSection, upsertSection } from './report.js'
import type { BenchResult } from './suite.js'

const suite = { id: 'demo', title: 'Demo', run: async () => ({ rows: [], target: '', met: true }) }
const result: BenchResult = {
  rows: [
    { subject: 'ours', figures: { 'ops/s': '10' } },
    { subject: 'baseline', figures: { 'ops/s': '5', note: 'x' } },
  ],
  target: '≥ 1 ops/s',
  met: true,
}

describe('benchmark report', () => {
  it('renders every column any row has, blank where a row lacks it', () => {
    const section = renderSection(suite, result, 'env')
    expect(section).toContain('| subject | ops/s | note |')
    expect(section).toContain('| ours | 10 |  |')
    expect(section).toContain('| baseline | 5 | x |')
  })

  it('replaces only its own section and keeps the others', () => {
    const other = '<!-- bench:other:start -->\nOTHER\n<!-- bench:other:end -->'
    const first = upsertSection(
      `# Benchmarks\n\n${other}`,
      'demo',
      '<!-- bench:demo:start -->A<!-- bench:demo:end -->',
    )
    const second = upsertSection(first, 'demo', '<!-- bench:demo:start -->B<!-- bench:demo:end -->')
    expect(second).toContain('OTHER')
    expect(second).toContain('B')
    expect(second).not.toContain('>A<')
  })
})
