import { strategyConformanceCases } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { createArchiveFirstStrategy, main } from './custom-strategy.js'

it('registers archive-first, routes eth_getLogs to the archive node first, and passes the conformance suite', async () => {
  const { names, getLogsOrder, callOrder, casesRun, failures } = await main()
  expect(names).toEqual([
    'leaderboard',
    'priority',
    'round-robin',
    'fastest',
    'cheapest',
    'hybrid',
    'archive-first',
  ])
  expect(getLogsOrder).toEqual(['erigon', 'alchemy', 'infura'])
  expect(callOrder).toEqual(['alchemy', 'infura', 'erigon'])
  expect(casesRun).toBeGreaterThan(10)
  expect(failures).toEqual([])
})

describe('archive-first strategy conformance', () => {
  for (const c of strategyConformanceCases(() => createArchiveFirstStrategy(['alpha', 'charlie'])))
    it(c.name, c.run)
})
