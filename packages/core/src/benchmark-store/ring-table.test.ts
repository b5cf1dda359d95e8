import { describe, expect, it } from 'vitest'
import { type ColumnKind, RingTable } from './ring-table.js'

function fill(table: RingTable<{ value: 'f64' }>, from: number, to: number) {
  for (let value = from; value < to; value++) table.columns.value[table.append()] = value
}

function contents(table: RingTable<{ value: ColumnKind }>): number[] {
  return table.toColumns().value
}

describe('RingTable', () => {
  it('grows while filling, then drops the oldest 10 % in one step when full', () => {
    const table = new RingTable({ value: 'f64' }, 3_000)
    fill(table, 0, 3_000)
    expect(table.size).toBe(3_000)
    fill(table, 3_000, 3_001)
    expect(table.size).toBe(2_701)
    expect(contents(table).slice(0, 2)).toEqual([300, 301])
    expect(contents(table).at(-1)).toBe(3_000)
  })

  it('keeps rows in order across many wrap-arounds, like splicing an array would', () => {
    for (const maxRows of [10, 25, 37]) {
      const table = new RingTable({ value: 'u16' }, maxRows)
      const model: number[] = []
      for (let value = 0; value < 1_003; value++) {
        if (model.length === maxRows) model.splice(0, Math.ceil(maxRows / 10))
        model.push(value)
        table.columns.value[table.append()] = value
      }
      expect(contents(table)).toEqual(model)
    }
  })

  it('saves its rows oldest first and restores the newest of them, with an offset per column', () => {
    const table = new RingTable({ ts: 'f64', index: 'u16' }, 5)
    for (let value = 0; value < 7; value++) {
      const slot = table.append()
      table.columns.ts[slot] = value * 10
      table.columns.index[slot] = value
    }
    const saved = table.toColumns()
    expect(saved).toEqual({ ts: [20, 30, 40, 50, 60], index: [2, 3, 4, 5, 6] })
    const smaller = new RingTable({ ts: 'f64', index: 'u16' }, 4)
    smaller.appendColumns(saved, { ts: 1_000 })
    expect(smaller.toColumns()).toEqual({ ts: [1_030, 1_040, 1_050, 1_060], index: [3, 4, 5, 6] })
  })
})
