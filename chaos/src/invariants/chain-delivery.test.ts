import { describe, expect, it } from 'vitest'
import {
  type CanonicalHistory,
  checkHeads,
  checkLogs,
  type Delivery,
  type Head,
  type Log,
} from './chain-delivery.js'

// Hand-made streams over a canonical chain 1–4 (a reorg replaced 3 and 4 of a first branch): for each
// check, the stream a correct client gets, and each way of breaking it.

const hex = (n: number) => `0x${n.toString(16)}`
const head = (number: number, hash: string, parentHash: string): Head => ({
  number: hex(number),
  hash,
  parentHash,
})
const log = (number: number, blockHash: string, logIndex: number, removed = false): Log => ({
  blockNumber: hex(number),
  blockHash,
  logIndex: hex(logIndex),
  ...(removed ? { removed } : {}),
})
const stream = <T>(...values: T[]): Delivery<T>[] => values.map((value, at) => ({ at: at * 1_000, value }))

const canonical: CanonicalHistory = {
  from: 2,
  to: 4,
  hashes: new Map([
    [2, '0xb2'],
    [3, '0xc3'],
    [4, '0xc4'],
  ]),
  logs: new Map([
    ['0xb2:0', 2],
    ['0xc3:0', 3],
  ]),
}

// 1, 2, 3a, then a reorg to 3, 4 on 2.
const reorgedHeads = [
  head(1, '0xb1', '0xb0'),
  head(2, '0xb2', '0xb1'),
  head(3, '0xa3', '0xb2'),
  head(3, '0xc3', '0xb2'),
  head(4, '0xc4', '0xc3'),
]

describe('checkHeads', () => {
  it('holds for every block once, parent-linked, through a reorg, ending on the canonical chain', () => {
    expect(checkHeads(stream(...reorgedHeads), canonical)).toEqual({ violations: [], reorgs: 1 })
  })

  it('finds a duplicate, a gap, a broken parent link and a missing canonical block', () => {
    const [one, two, three, , four] = reorgedHeads
    expect(checkHeads(stream(one!, two!, two!), canonical).violations).toEqual([
      'block 2 (0xb2) delivered twice, at 2.0 s',
      'block 3: ended with nothing, the node has 0xc3',
      'block 4: ended with nothing, the node has 0xc4',
    ])
    expect(checkHeads(stream(one!, two!, four!), canonical).violations).toContain(
      'gap: block 4 after 2, at 2.0 s',
    )
    expect(checkHeads(stream(one!, two!, three!, four!), canonical).violations).toEqual([
      'block 4: parent 0xc3, but block 3 was 0xa3, at 3.0 s',
      'block 3: ended with 0xa3, the node has 0xc3',
    ])
  })
})

describe('checkLogs', () => {
  it('holds for every log once, in order, the reorged one removed before the new branch', () => {
    const logs = stream(log(2, '0xb2', 0), log(3, '0xa3', 0), log(3, '0xa3', 0, true), log(3, '0xc3', 0))
    expect(checkLogs(logs, canonical)).toEqual({ violations: [], reorgs: 1 })
  })

  it('finds a duplicate, an order break, a stale log never removed and a missing one', () => {
    expect(
      checkLogs(stream(log(2, '0xb2', 0), log(2, '0xb2', 0), log(3, '0xc3', 0)), canonical).violations,
    ).toEqual([
      'log 0xb2:0 (block 2) delivered twice, at 1.0 s',
      'log 0xb2:0 (block 2) out of order after block 2, at 1.0 s',
    ])
    expect(checkLogs(stream(log(3, '0xc3', 0), log(2, '0xb2', 0)), canonical).violations).toEqual([
      'log 0xb2:0 (block 2) out of order after block 3, at 1.0 s',
    ])
    expect(checkLogs(stream(log(2, '0xb2', 0), log(3, '0xa3', 0)), canonical).violations).toEqual([
      'log 0xa3:0 (block 3) kept but not canonical',
      'canonical log 0xc3:0 (block 3) missing',
    ])
  })

  it('finds a removal of a log that is not the newest live one', () => {
    const logs = stream(log(2, '0xb2', 0), log(3, '0xc3', 0), log(2, '0xb2', 0, true))
    expect(checkLogs(logs, canonical).violations).toEqual([
      'log 0xb2:0 removed, but the newest live log is 0xc3:0, at 2.0 s',
    ])
  })
})
