import { expect, it } from 'vitest'
import { main } from './pubsub.js'

it('fans messages out from one instance to another, with replay and no echo', async () => {
  const { feed, stream, latestTwo, sentOverBus } = await main()
  expect(feed).toEqual(['ethereum #100', 'ethereum #101', 'ethereum #102'])
  expect(stream).toEqual([
    'blocks:new',
    'blocks:new',
    'blocks:new',
    'blocks:new',
    'routing:decisions via infura',
  ])
  expect(latestTwo).toEqual([102, 103])
  expect(sentOverBus).toBe(5)
})
