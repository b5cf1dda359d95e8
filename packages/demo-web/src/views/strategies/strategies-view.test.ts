import { describe, expect, it } from 'vitest'
import type { RpcStatsRow } from '../../api/types.js'
import { pivotByStrategy } from './strategies-view.js'

const row = (method: string, strategy: string, meanMs: number): RpcStatsRow => ({
  method,
  strategy,
  count: 1,
  errors: 0,
  meanMs,
  p50Ms: meanMs,
  p95Ms: meanMs,
  p99Ms: meanMs,
})

describe('pivotByStrategy', () => {
  it('puts strategies side by side for each method, sorted', () => {
    const grid = pivotByStrategy([
      row('eth_getBalance', 'fastest', 4),
      row('eth_blockNumber', 'fastest', 2),
      row('eth_blockNumber', 'cheapest', 9),
    ])
    expect(grid.strategies).toEqual(['cheapest', 'fastest'])
    expect(grid.methods.map((entry) => entry.method)).toEqual(['eth_blockNumber', 'eth_getBalance'])
    expect(grid.methods[0]!.cells.cheapest!.meanMs).toBe(9)
    expect(grid.methods[1]!.cells.cheapest).toBeUndefined()
  })
})
