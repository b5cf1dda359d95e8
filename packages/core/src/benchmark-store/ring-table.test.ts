import { describe, expect, it } from 'vitest'
import { RingTable } from './ring-table.js'

function fill(table: RingTable, from: number, to: number) {
  for (let value = from; value < to; value++) table.columns[0]![table.append()] = value
}

function contents(table: RingTable): number[] {
  return Array.from({ length: table.size }, (_, k) => table.columns[0]![table.slot(k)]!)
}

describe('RingTable', () => {
  it('grows while filling, then drops the oldest 10 % in one step when full', () => {
    const table = new RingTable(['f64'], 3_000)
    fill(table, 0, 3_000)
    expect(table.size).toBe(3_000)
    fill(table, 3_000, 3_001)
    expect(table.size).toBe(2_701)
    expect(contents(table).slice(0, 2)).toEqual([300, 301])
    expect(contents(table).at(-1)).toBe(3_000)
  })

  it('keeps rows in order across many wrap-arounds, like splicing an array would', () => {
    for (const maxRows of [10, 25, 37]) {
      const table = new RingTable(['u16'], maxRows)
      const model: number[] = []
      for (let value = 0; value < 1_003; value++) {
        if (model.length === maxRows) model.splice(0, Math.ceil(maxRows / 10))
        model.push(value)
        table.columns[0]![table.append()] = value
      }
      expect(contents(table)).toEqual(model)
    }
  })
})
