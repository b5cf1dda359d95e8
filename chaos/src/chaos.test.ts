import { describe, expect, it } from 'vitest'
import { scenarios } from './scenarios/index.js'

// The short profile of every finished scenario, as CI runs it: each starts its own devnet (a child
// process) and server, drives ~10–20 s of load on loopback and must hold every invariant. The invariants
// are about correctness (no errors, exact ids, bounded counts); every timing bound is relative to the
// same run or carries slack for a busy 2-core machine. A failure prints the violated invariants.

describe('chaos suite, short profile', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await scenario.run('short')
      const violated = result.verdicts.filter((verdict) => !verdict.holds)
      expect(
        violated.map(({ invariant, measured, violations }) => ({ invariant, measured, violations })),
        result.rows.map((row) => `${row.phase}: ${row.requests} requests, ${row.errors} errors`).join('; '),
      ).toEqual([])
      // The scenario ran: it recorded traffic and checked its invariants.
      expect(result.history.clients.length).toBeGreaterThan(100)
      expect(result.verdicts.length).toBeGreaterThan(3)
    }, 120_000)
  }
})
