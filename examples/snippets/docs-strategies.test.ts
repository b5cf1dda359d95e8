import type { RoutingStrategy } from '@chainpulse/core'
import { strategyConformanceCases } from '@chainpulse/core/testing'
import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'

// The failure report docs/strategies.md shows is the suite's own, for a strategy that returns its
// first candidate twice.
const [sample] = blocksCheckedBy(import.meta.url)

it('reproduces the conformance failure shown in strategies.md', () => {
  expect(sample?.page).toBe('docs/strategies.md')
  const duplicating = (): RoutingStrategy => ({
    name: 'duplicating',
    select: (candidates) => (candidates.length > 0 ? [...candidates, candidates[0]!] : []),
  })
  const atMostOnce = strategyConformanceCases(duplicating).find(
    (c) => c.name === 'returns each candidate at most once',
  )
  expect(atMostOnce).toBeDefined()
  expect(atMostOnce!.run).toThrow()
  let message = ''
  try {
    atMostOnce!.run()
  } catch (error) {
    message = (error as Error).message
  }
  expect(`${message}\n`).toBe(sample!.code)
})
