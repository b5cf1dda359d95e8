import { expect, it } from 'vitest'
import { main } from './pool-testing.js'

it('answers from the provider still up, on fake time only', async () => {
  const { blockNumber, providerId, elapsedMs } = await main()
  expect(blockNumber).toBe('0x3')
  expect(providerId).toBe('backup')
  expect(elapsedMs).toBeGreaterThanOrEqual(1_000)
})
