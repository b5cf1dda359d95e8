import { expect, it } from 'vitest'
import { main } from './message-aggregator.js'

it('delivers each head once, from the fastest provider, including both sides of a reorg', async () => {
  const { delivered, races, stats } = await main()
  expect(delivered).toEqual(['#100 0xa1a1 via alchemy', '#101 0xb2b2 via infura', '#101 0xc3c3 via alchemy'])
  expect(races).toEqual([
    'alchemy win by 0 ms',
    'infura loss by 3.5 ms',
    'infura win by 0 ms',
    'alchemy loss by 1.25 ms',
    'alchemy win by 0 ms',
    'infura loss by 10 ms',
  ])
  expect(stats).toEqual({ ingested: 7, unique: 3, duplicates: 4, repeats: 1, windowKeys: 3 })
})
