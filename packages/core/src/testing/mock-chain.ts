import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'
import { type Clock, systemClock, type TimerHandle } from '../clock/clock.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import { type Log, type LogFilter, matchesLogFilter } from '../subscriptions/log-filter.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'

/** A log to put in a mined block; the chain fills in block, transaction and index fields. */
export interface MockLogInput {
  address: string
  /** Up to four 32-byte topics. @default [] */
  topics?: string[]
  /** @default '0x' */
  data?: string
}

/** What `mine({ ... })` puts in the one block it mines. */
export interface MockMineOptions {
  /** Logs of the block, each emitted by its own transaction, in order. */
  logs?: MockLogInput[]
}

/** Options of {@link MockChain.reorg}. */
export interface MockReorgOptions {
  /** Blocks in the new branch; more than `depth` makes the new branch the longer one. @default depth */
  length?: number
  /** Logs of each new block, by position in the new branch. */
  logs?: MockLogInput[][]
}

/** What a reorg did: blocks taken off the canonical chain (oldest first) and the new branch. */
export interface MockReorgResult {
  removed: MockBlock[]
  added: MockBlock[]
}

/** A change of the canonical chain: `removed` is empty unless it was a reorg. */
export interface MockChainChange {
  added: MockBlock[]
  removed: MockBlock[]
}

/**
 * A block as `eth_getBlockByNumber(n, false)` returns it from a post-Cancun node: hex quantities,
 * 32-byte hashes, a real logs bloom, transaction hashes.
 */
export interface MockBlock extends BlockHeader {
  number: string
  hash: string
  parentHash: string
  timestamp: string
  logsBloom: string
  transactions: string[]
  [field: string]: unknown
}

/** A transaction as `eth_getBlockByNumber(n, true)` returns it (EIP-1559, no-op). */
export interface MockTransaction {
  hash: string
  blockHash: string
  blockNumber: string
  transactionIndex: string
  [field: string]: unknown
}

/** What `eth_call` answers for a call: return data, or a revert with optional revert data. */
export type MockCallResult = string | { revert: string; message?: string }

/** Options of {@link createMockChain}. */
export interface MockChainOptions {
  /** Drives `startMining`. @default systemClock */
  clock?: Clock
  /** @default 1 */
  chainId?: number
  /** Number of the first block; earlier blocks do not exist (`null` from every provider). @default 0 */
  startBlock?: number
  /** Seconds between block timestamps. @default 12 */
  blockTimeSeconds?: number
  /** Timestamp (seconds) of block 0; block `n` is stamped `genesisTimestamp + n * blockTimeSeconds`. @default 1_700_000_000 */
  genesisTimestamp?: number
}

/**
 * An in-memory EVM chain: canonical blocks with deterministic hashes, logs, balances and scripted
 * `eth_call` answers. Providers made by `createMockProvider` serve it.
 */
export interface MockChain {
  readonly chainId: number
  /** Number of the first block; no earlier block exists. */
  readonly startBlock: number
  readonly clock: Clock
  /** The newest canonical block. */
  head(): MockBlock
  /** The canonical block with this number, if mined. */
  blockByNumber(number: number): MockBlock | undefined
  /** A block by hash, canonical or orphaned by a reorg. */
  blockByHash(hash: string): MockBlock | undefined
  /** The full transactions of a block (by hash). */
  transactionsOf(hash: string): MockTransaction[]
  /** The logs of a block (by hash), in log index order. */
  logsOf(hash: string): Log[]
  /** Canonical logs in `[fromBlock, toBlock]` matching `filter`, in chain order. */
  logsInRange(fromBlock: number, toBlock: number, filter?: LogFilter): Log[]
  /** Mines `count` empty blocks, or one block with the given logs. Returns the new blocks. */
  mine(options?: number | MockMineOptions): MockBlock[]
  /**
   * Replaces the newest `depth` blocks with a new branch (different hashes) of `length` blocks.
   * @throws {RangeError} when `depth` would remove the first block.
   */
  reorg(depth: number, options?: MockReorgOptions): MockReorgResult
  /** Mines one block every `intervalMs` of clock time until {@link MockChain.stopMining}. */
  startMining(intervalMs: number): void
  stopMining(): void
  /** Sets an account's balance (wei) for `eth_getBalance`. */
  setBalance(address: string, wei: bigint): void
  balanceOf(address: string): bigint
  /** Scripts `eth_call` to `to`: for this exact calldata, or for any calldata when `data` is omitted. */
  setCall(call: { to: string; data?: string }, result: MockCallResult): void
  /** The scripted answer to a call; `'0x'` (an account without code) when nothing is scripted. */
  call(call: { to?: string; data?: string; input?: string }): MockCallResult
  /** Listens to canonical changes (mined blocks and reorgs); returns the unsubscribe function. */
  onChange(listener: (change: MockChainChange) => void): () => void
}

const schema = v.strictObject({
  clock: v.optional(v.custom<Clock>((value) => typeof (value as Clock | null)?.setTimeout === 'function')),
  chainId: v._default(v.number().check(v.int(), v.positive()), 1),
  startBlock: v._default(v.number().check(v.int(), v.nonnegative()), 0),
  blockTimeSeconds: v._default(v.number().check(v.int(), v.positive()), 12),
  genesisTimestamp: v._default(v.number().check(v.int(), v.nonnegative()), 1_700_000_000),
})

const ZERO_HASH = `0x${'00'.repeat(32)}`
// Roots of an empty trie and of an empty uncle list, as every post-merge block without them carries.
const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
const FEE_RECIPIENT = '0x4675c7e5baafbffbca748158becba61ef3b0a263'
const SENDER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
const GAS_LIMIT = 30_000_000
const GAS_PER_TRANSACTION = 21_000
const BASE_FEE = 1_000_000_000

const toHex = (value: number | bigint): string => `0x${value.toString(16)}`
const keccakHex = (text: string): string => `0x${bytesToHex(keccak_256(utf8ToBytes(text)))}`

/** The 2048-bit bloom of a block's logs (yellow paper §4.3.1): 3 bits per address and topic. */
function logsBloom(logs: readonly Log[]): string {
  const bloom = new Uint8Array(256)
  const add = (hex: string) => {
    const hash = keccak_256(hexBytes(hex))
    for (let pair = 0; pair < 6; pair += 2) {
      const bit = ((hash[pair]! << 8) | hash[pair + 1]!) & 2047
      bloom[255 - (bit >> 3)]! |= 1 << (bit & 7)
    }
  }
  for (const log of logs) {
    add(log.address)
    for (const topic of log.topics) add(topic)
  }
  return `0x${bytesToHex(bloom)}`
}

function hexBytes(hex: string): Uint8Array {
  const digits = hex.slice(2)
  const bytes = new Uint8Array(digits.length >> 1)
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(digits.slice(index * 2, index * 2 + 2), 16)
  return bytes
}

interface StoredBlock {
  block: MockBlock
  transactions: MockTransaction[]
  logs: Log[]
}

/**
 * Creates an in-memory chain for tests: `mine()` appends blocks whose JSON has the shape real nodes
 * return (viem's `formatBlock` and ChainPulse's head tracking accept it), `reorg()` swaps the newest
 * blocks for another branch. Everything is deterministic: the same calls give the same hashes.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const chain = createMockChain({ clock, chainId: 1, startBlock: 100 })
 * chain.mine(3) // blocks 101..103
 * chain.mine({ logs: [{ address: token, topics: [transferTopic], data: '0x01' }] })
 * chain.reorg(2) // blocks 103 and 104 replaced by a new branch
 */
export function createMockChain(options: MockChainOptions = {}): MockChain {
  const parsed = parseOptions(schema, options, 'mock chain options')
  const clock = parsed.clock ?? systemClock
  const { chainId, startBlock } = parsed
  const canonical: StoredBlock[] = []
  const byHash = new Map<string, StoredBlock>()
  const balances = new Map<string, bigint>()
  const calls = new Map<string, MockCallResult>()
  const listeners = new Set<(change: MockChainChange) => void>()
  let branch = 0
  let miningTimer: TimerHandle | undefined

  const first = startBlock
  const atNumber = (number: number) => canonical[number - first]

  function build(number: number, parentHash: string, logInputs: readonly MockLogInput[]): StoredBlock {
    // The branch counter makes a reorged block at the same height with the same parent differ in hash.
    const hash = keccakHex(`chainpulse-mock:${chainId}:${number}:${parentHash}:${branch}`)
    const blockNumber = toHex(number)
    const transactions: MockTransaction[] = []
    const logs: Log[] = []
    logInputs.forEach((input, index) => {
      const transactionHash = keccakHex(`${hash}:tx:${index}`)
      transactions.push({
        hash: transactionHash,
        blockHash: hash,
        blockNumber,
        transactionIndex: toHex(index),
        type: '0x2',
        chainId: toHex(chainId),
        from: SENDER,
        to: input.address.toLowerCase(),
        nonce: toHex(index),
        value: '0x0',
        gas: toHex(GAS_PER_TRANSACTION * 2),
        gasPrice: toHex(BASE_FEE),
        maxFeePerGas: toHex(BASE_FEE * 2),
        maxPriorityFeePerGas: '0x0',
        input: '0x',
        accessList: [],
        v: '0x0',
        yParity: '0x0',
        r: keccakHex(`${transactionHash}:r`),
        s: keccakHex(`${transactionHash}:s`),
      })
      logs.push({
        address: input.address.toLowerCase(),
        topics: (input.topics ?? []).map((topic) => topic.toLowerCase()),
        data: input.data ?? '0x',
        blockNumber,
        blockHash: hash,
        transactionHash,
        transactionIndex: toHex(index),
        logIndex: toHex(index),
        removed: false,
      })
    })
    const block: MockBlock = {
      number: blockNumber,
      hash,
      parentHash,
      nonce: '0x0000000000000000',
      sha3Uncles: EMPTY_UNCLES_HASH,
      logsBloom: logsBloom(logs),
      transactionsRoot: transactions.length ? keccakHex(`${hash}:transactions`) : EMPTY_TRIE_ROOT,
      stateRoot: keccakHex(`${hash}:state`),
      receiptsRoot: transactions.length ? keccakHex(`${hash}:receipts`) : EMPTY_TRIE_ROOT,
      miner: FEE_RECIPIENT,
      difficulty: '0x0',
      totalDifficulty: '0x0',
      extraData: '0x',
      size: toHex(600 + 110 * transactions.length),
      gasLimit: toHex(GAS_LIMIT),
      gasUsed: toHex(GAS_PER_TRANSACTION * transactions.length),
      timestamp: toHex(parsed.genesisTimestamp + number * parsed.blockTimeSeconds),
      baseFeePerGas: toHex(BASE_FEE),
      mixHash: keccakHex(`${hash}:mix`),
      withdrawals: [],
      withdrawalsRoot: EMPTY_TRIE_ROOT,
      blobGasUsed: '0x0',
      excessBlobGas: '0x0',
      parentBeaconBlockRoot: keccakHex(`${hash}:beacon`),
      transactions: transactions.map((transaction) => transaction.hash),
      uncles: [],
    }
    return { block, transactions, logs }
  }

  function append(logInputs: readonly MockLogInput[]): StoredBlock {
    const parent = canonical[canonical.length - 1]
    const number = parent ? Number.parseInt(parent.block.number, 16) + 1 : first
    const parentHash = parent
      ? parent.block.hash
      : number === 0
        ? ZERO_HASH
        : keccakHex(`${chainId}:${number - 1}`)
    const stored = build(number, parentHash, logInputs)
    canonical.push(stored)
    byHash.set(stored.block.hash, stored)
    return stored
  }

  function notify(change: MockChainChange): void {
    for (const listener of [...listeners]) listener(change)
  }

  append([])

  const chain: MockChain = {
    chainId,
    startBlock,
    clock,
    head: () => canonical[canonical.length - 1]!.block,
    blockByNumber: (number) => atNumber(number)?.block,
    blockByHash: (hash) => byHash.get(hash.toLowerCase())?.block,
    transactionsOf: (hash) => byHash.get(hash.toLowerCase())?.transactions ?? [],
    logsOf: (hash) => byHash.get(hash.toLowerCase())?.logs ?? [],
    logsInRange(fromBlock, toBlock, filter = {}) {
      const logs: Log[] = []
      for (let number = Math.max(fromBlock, first); number <= toBlock; number++) {
        const stored = atNumber(number)
        if (!stored) break
        for (const log of stored.logs) if (matchesLogFilter(log, filter)) logs.push(log)
      }
      return logs
    },
    mine(mineOptions = 1) {
      const blocks =
        typeof mineOptions === 'number'
          ? Array.from({ length: positiveInteger(mineOptions, 'mine count') }, () => append([]).block)
          : [append(mineOptions.logs ?? []).block]
      notify({ added: blocks, removed: [] })
      return blocks
    },
    reorg(depth, reorgOptions = {}) {
      positiveInteger(depth, 'reorg depth')
      if (depth >= canonical.length)
        throw new RangeError(
          `reorg depth ${depth} would remove the first block (only ${canonical.length} mined)`,
        )
      const length = positiveInteger(reorgOptions.length ?? depth, 'reorg length')
      branch++
      const removed = canonical.splice(canonical.length - depth, depth).map((stored) => stored.block)
      const added = Array.from({ length }, (_, index) => append(reorgOptions.logs?.[index] ?? []).block)
      notify({ added, removed })
      return { removed, added }
    },
    startMining(intervalMs) {
      chain.stopMining()
      const tick = () => {
        miningTimer = clock.setTimeout(tick, intervalMs)
        chain.mine()
      }
      miningTimer = clock.setTimeout(tick, positiveInteger(intervalMs, 'mining interval'))
    },
    stopMining() {
      if (miningTimer !== undefined) clock.clearTimeout(miningTimer)
      miningTimer = undefined
    },
    setBalance: (address, wei) => void balances.set(address.toLowerCase(), wei),
    balanceOf: (address) => balances.get(address.toLowerCase()) ?? 0n,
    setCall: (call, result) => void calls.set(callKey(call.to, call.data), result),
    call(call) {
      const to = call.to ?? ''
      const data = call.input ?? call.data ?? '0x'
      return calls.get(callKey(to, data)) ?? calls.get(callKey(to, undefined)) ?? '0x'
    },
    onChange(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
  return chain
}

function callKey(to: string, data: string | undefined): string {
  return `${to.toLowerCase()}:${data === undefined ? '*' : data.toLowerCase()}`
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${what} must be a positive integer, got ${value}`)
  return value
}
