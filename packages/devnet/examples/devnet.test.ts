import { expect, it } from 'vitest'
import { main } from './devnet.js'

it('runs the docs/devnet.md example', async () => {
  const result = await main()
  expect(result.providers).toEqual(['ethereum-alpha', 'ethereum-bravo'])
  expect(result.status).toBe(429)
  expect(result.retryAfter).toBe('1')
  expect(result.laggedHead).toBe(result.head - 3)
  expect(result.refused).toBe(true)
})
