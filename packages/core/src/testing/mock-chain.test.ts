import { keccak_256 } from '@noble/hashes/sha3'
import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { createMockChain, type MockBlock } from './mock-chain.js'

const token = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const transfer = `0x${'dd'.repeat(32)}`
const approval = `0x${'8c'.repeat(32)}`

const numberOf = (block: MockBlock) => Number.parseInt(block.number, 16)

/** Whether the 3 bloom bits of `hex` (an address or topic) are set, per the yellow paper. */
function bloomHas(bloom: string, hex: string): boolean {
  const bytes = Uint8Array.from(Buffer.from(bloom.slice(2), 'hex'))
  const hash = keccak_256(Uint8Array.from(Buffer.from(hex.slice(2), 'hex')))
  for (let pair = 0; pair < 6; pair += 2) {
    const bit = ((hash[pair]! << 8) | hash[pair + 1]!) & 2047
    if (!(bytes[255 - (bit >> 3)]! & (1 << (bit & 7)))) return false
  }
  return true
}

describe('createMockChain', () => {
  it('starts with one block at startBlock and mines parent-linked blocks after it', () => {
    const chain = createMockChain({ chainId: 137, startBlock: 100 })
    expect(numberOf(chain.head())).toBe(100)
    const mined = chain.mine(3)
    expect(mined.map(numberOf)).toEqual([101, 102, 103])
    expect(mined[0]!.parentHash).toBe(chain.blockByNumber(100)!.hash)
    expect(mined[2]!.parentHash).toBe(mined[1]!.hash)
    expect(chain.head()).toBe(mined[2])
    expect(chain.blockByNumber(99)).toBeUndefined()
    expect(chain.blockByHash(mined[1]!.hash.toUpperCase().replace('0X', '0x'))).toBe(mined[1])
  })

  it('produces blocks with the fields and hex shapes real nodes return', () => {
    const [block] = createMockChain().mine()
    expect(block).toMatchObject({
      number: '0x1',
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      parentHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      logsBloom: expect.stringMatching(/^0x[0-9a-f]{512}$/),
      timestamp: '0x6553f10c',
      gasLimit: '0x1c9c380',
      gasUsed: '0x0',
      baseFeePerGas: '0x3b9aca00',
      miner: expect.stringMatching(/^0x[0-9a-f]{40}$/),
      nonce: '0x0000000000000000',
      transactions: [],
      uncles: [],
    })
  })

  it('is deterministic: the same calls give the same hashes', () => {
    const run = () => {
      const chain = createMockChain({ chainId: 5 })
      chain.mine(2)
      chain.mine({ logs: [{ address: token, topics: [transfer] }] })
      chain.reorg(2)
      return chain.head().hash
    }
    expect(run()).toBe(run())
    expect(createMockChain({ chainId: 5 }).head().hash).not.toBe(createMockChain({ chainId: 6 }).head().hash)
  })

  it('fills in log fields and a logs bloom that contains each address and topic', () => {
    const chain = createMockChain()
    const [block] = chain.mine({
      logs: [
        { address: token, topics: [transfer], data: '0x01' },
        { address: other, topics: [approval] },
      ],
    })
    const logs = chain.logsOf(block!.hash)
    expect(logs).toHaveLength(2)
    expect(logs[1]).toEqual({
      address: other,
      topics: [approval],
      data: '0x',
      blockNumber: '0x1',
      blockHash: block!.hash,
      transactionHash: block!.transactions[1],
      transactionIndex: '0x1',
      logIndex: '0x1',
      removed: false,
    })
    expect(chain.transactionsOf(block!.hash).map((transaction) => transaction.hash)).toEqual(
      block!.transactions,
    )
    for (const value of [token, other, transfer, approval])
      expect(bloomHas(block!.logsBloom, value)).toBe(true)
    expect(bloomHas(chain.head().logsBloom, `0x${'11'.repeat(20)}`)).toBe(false)
    expect(bloomHas(chain.blockByNumber(0)!.logsBloom, token)).toBe(false)
  })

  it('finds canonical logs in a range by address and topic', () => {
    const chain = createMockChain()
    chain.mine({ logs: [{ address: token, topics: [transfer] }] })
    chain.mine()
    chain.mine({
      logs: [
        { address: other, topics: [transfer] },
        { address: token, topics: [approval] },
      ],
    })
    expect(chain.logsInRange(0, 10).map((log) => log.blockNumber)).toEqual(['0x1', '0x3', '0x3'])
    expect(chain.logsInRange(2, 3, { address: token }).map((log) => log.topics[0])).toEqual([approval])
    expect(chain.logsInRange(0, 3, { topics: [transfer] }).map((log) => log.address)).toEqual([token, other])
  })

  it('replaces the newest blocks on a reorg, keeping orphans reachable by hash', () => {
    const chain = createMockChain()
    const before = chain.mine(4)
    const changes: unknown[] = []
    chain.onChange((change) => changes.push(change))
    const { removed, added } = chain.reorg(2, {
      length: 3,
      logs: [[], [{ address: token, topics: [transfer] }]],
    })
    expect(removed).toEqual(before.slice(2))
    expect(added.map(numberOf)).toEqual([3, 4, 5])
    expect(added[0]!.parentHash).toBe(before[1]!.hash)
    expect(added[0]!.hash).not.toBe(before[2]!.hash)
    expect(chain.blockByNumber(3)).toBe(added[0])
    expect(chain.blockByHash(before[2]!.hash)).toBe(before[2])
    expect(chain.logsOf(added[1]!.hash)).toHaveLength(1)
    expect(changes).toEqual([{ added, removed }])
  })

  it('refuses a reorg that would remove the first block', () => {
    const chain = createMockChain()
    chain.mine(2)
    expect(() => chain.reorg(3)).toThrow(RangeError)
    expect(() => chain.reorg(0)).toThrow(RangeError)
    expect(numberOf(chain.head())).toBe(2)
  })

  it('mines on the injected clock until stopped', () => {
    const clock = createFakeClock()
    const chain = createMockChain({ clock })
    chain.startMining(1_000)
    clock.advance(3_500)
    expect(numberOf(chain.head())).toBe(3)
    chain.stopMining()
    clock.advance(5_000)
    expect(numberOf(chain.head())).toBe(3)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('answers scripted calls and balances, by exact calldata first', () => {
    const chain = createMockChain()
    chain.setBalance(token.toUpperCase().replace('0X', '0x'), 10n ** 18n)
    chain.setCall({ to: token }, '0x01')
    chain.setCall({ to: token, data: '0xabcd' }, { revert: '0x08c379a0' })
    expect(chain.balanceOf(token)).toBe(10n ** 18n)
    expect(chain.balanceOf(other)).toBe(0n)
    expect(chain.call({ to: token, data: '0x1234' })).toBe('0x01')
    expect(chain.call({ to: token, input: '0xABCD' })).toEqual({ revert: '0x08c379a0' })
    expect(chain.call({ to: other })).toBe('0x')
  })

  it('rejects invalid options with a ConfigError naming the field', () => {
    expect(() => createMockChain({ chainId: 0 })).toThrow(ConfigError)
    expect(() => createMockChain({ startBlock: -1 })).toThrow(/startBlock/)
  })
})
