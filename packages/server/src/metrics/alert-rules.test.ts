import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type ApiFixture, createApiFixture } from '../routes/api/api-fixture.js'

// The alert rules shipped in deploy/ (and shown in docs/operations.md) must name metrics and labels the
// server really exports, or they never fire.
const rulesFile = new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url)

interface Rule {
  alert: string
  expr: string
  for: string
  labels: { severity: string }
  annotations: { summary: string }
}

const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
)
/** Series names an expression reads (PromQL functions and keywords are followed by `(`, never a name). */
const metricNames = (expr: string) =>
  [...expr.matchAll(/\b(chainpulse_\w+)/g)].map((match) => match[1] as string)
/** Label names an expression matches or groups by. */
const labelNames = (expr: string) => [
  ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((match) =>
    (match[1] as string).split(',').map((pair) => pair.split(/=~|!=|=/)[0]!.trim()),
  ),
  ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((match) =>
    (match[1] as string).split(',').map((name) => name.trim()),
  ),
]

let fixture: ApiFixture | undefined
afterEach(async () => {
  await fixture?.close()
})

describe('deploy/prometheus/alerts.yml', () => {
  it('has well-formed rules with a severity and a summary', () => {
    expect(rules.length).toBeGreaterThanOrEqual(5)
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^ChainPulse[A-Z]\w+$/)
      expect(rule.for).toMatch(/^\d+[smh]$/)
      expect(['critical', 'warning', 'info']).toContain(rule.labels.severity)
      expect(rule.annotations.summary.length).toBeGreaterThan(10)
    }
  })

  it('names only metrics and labels that /metrics exports', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    // One call and one failover, so the per-request series exist.
    fixture.upstreams.a!.failing = true
    await fixture.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
    })
    const exposition = (await fixture.app.inject({ method: 'GET', url: '/metrics' })).body
    const exported = new Map<string, Set<string>>()
    for (const line of exposition.split('\n')) {
      // A registered gauge without a sample yet (no head seen) still has its TYPE line.
      const declared = /^# TYPE (chainpulse_\w+) /.exec(line)
      if (declared) exported.set(declared[1]!, exported.get(declared[1]!) ?? new Set())
      const match = /^(chainpulse_\w+?)(?:\{([^}]*)\})? /.exec(line)
      if (!match) continue
      const labels = exported.get(match[1]!) ?? new Set<string>()
      for (const pair of (match[2] ?? '').split(',').filter(Boolean)) labels.add(pair.split('=')[0]!)
      exported.set(match[1]!, labels)
    }
    for (const rule of rules) {
      const names = metricNames(rule.expr)
      for (const name of names) expect([...exported.keys()], `${rule.alert}: ${name}`).toContain(name)
      const available = new Set([
        'job',
        'instance',
        'le',
        ...names.flatMap((name) => [...exported.get(name)!]),
      ])
      for (const label of labelNames(rule.expr))
        expect([...available], `${rule.alert}: label ${label}`).toContain(label)
    }
  })
})
