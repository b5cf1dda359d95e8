import { describe, expect, it } from 'vitest'
import type { LeaderboardEntry } from '../../api/types.js'
import { leaderOf } from './scenario-panel.js'

const entry = (providerId: string, rank: number) => ({ providerId, rank }) as LeaderboardEntry

describe('leaderOf', () => {
  it('picks the lowest rank whatever the order, and nothing without races', () => {
    expect(leaderOf([entry('b', 2), entry('a', 1), entry('c', 3)])).toBe('a')
    expect(leaderOf([])).toBeUndefined()
    expect(leaderOf(undefined)).toBeUndefined()
  })
})
