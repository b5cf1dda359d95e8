import { expect, it } from 'vitest'
import { main } from './provider-pool.js'

it('answers every call while one provider is down, and streams consecutive blocks', async () => {
  const { servedBy, failedOver, blocks } = await main()
  expect(servedBy).toHaveLength(6)
  expect(servedBy).not.toContain('ethereum-alpha')
  expect(failedOver).toBe(true)
  for (let index = 1; index < blocks.length; index++) expect(blocks[index]).toBe(blocks[index - 1]! + 1)
}, 30_000)
