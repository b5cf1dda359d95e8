import {
  BaseError,
  ChainDisconnectedError,
  ContractFunctionRevertedError,
  createPublicClient,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  type Hash,
  parseAbi,
  RpcRequestError,
} from 'viem'
import { mainnet, polygon } from 'viem/chains'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import {
  ConfigError,
  NoProviderAvailableError,
  UnknownChainError,
  UpstreamRpcError,
} from '../errors/errors.js'
import type { ProviderPoolOptions } from '../provider-pool/options.js'
import { createProviderPool } from '../provider-pool/provider-pool.js'
import type { ProviderPool } from '../provider-pool/types.js'
import { createMockChain } from '../testing/mock-chain.js'
import { createMockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import { chainpulse } from './index.js'

const token = '0x00000000000000000000000000000000000000aa' as const
const holder = '0x00000000000000000000000000000000000000bb' as const
const abi = parseAbi([
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'function balanceOf(address owner) view returns (uint256)',
  'error NotAllowed(address who)',
])

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

function setup(poolOptions: Partial<ProviderPoolOptions> = {}) {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1, startBlock: 1_000 })
  const alpha = createMockProvider({ chain, clock, id: 'alpha', latencyMs: 10 })
  const beta = createMockProvider({ chain, clock, id: 'beta', latencyMs: 25 })
  const pool: ProviderPool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [
      { id: 'alpha', chain: 'ethereum', upstream: alpha, priority: 0 },
      { id: 'beta', chain: 'ethereum', upstream: beta, priority: 1 },
    ],
    strategy: 'priority',
    clock,
    // The adapter's mapping alone: scripted failures must reach requests, not background probes.
    healthCheck: false,
    ...poolOptions,
  })
  // viem caches the block number for `cacheTime` of real time; the chain here moves on a fake clock.
  const client = createPublicClient({ transport: chainpulse(pool, 'ethereum'), cacheTime: 0 })
  cleanups.push(() => settleOnClock(clock, pool.close()))
  return { clock, chain, alpha, beta, pool, client }
}

function transferLog(from: `0x${string}`, to: `0x${string}`, value: bigint) {
  return {
    address: token,
    topics: encodeEventTopics({ abi, eventName: 'Transfer', args: { from, to } }) as string[],
    data: encodeAbiParameters([{ type: 'uint256' }], [value]),
  }
}

describe('chainpulse transport: calls', () => {
  it('reads block number, balance and chain id through the pool', async () => {
    const { clock, chain, client } = setup()
    chain.mine(4)
    chain.setBalance(holder, 7n * 10n ** 18n)
    expect(await settleOnClock(clock, client.getBlockNumber())).toBe(1_004n)
    expect(await settleOnClock(clock, client.getBalance({ address: holder }))).toBe(7n * 10n ** 18n)
    expect(await settleOnClock(clock, client.getChainId())).toBe(1)
  })

  it('returns blocks viem formats like any node’s', async () => {
    const { clock, chain, client } = setup()
    const [mined] = chain.mine({ logs: [transferLog(holder, token, 5n)] })
    const block = await settleOnClock(clock, client.getBlock({ blockNumber: 1_001n }))
    expect(block).toMatchObject({
      number: 1_001n,
      hash: mined!.hash,
      parentHash: mined!.parentHash,
      gasUsed: 21_000n,
      baseFeePerGas: 1_000_000_000n,
      transactions: mined!.transactions,
    })
    const full = await settleOnClock(
      clock,
      client.getBlock({ blockNumber: 1_001n, includeTransactions: true }),
    )
    expect(full.transactions[0]).toMatchObject({
      hash: mined!.transactions[0],
      to: token,
      blockNumber: 1_001n,
    })
  })

  it('gets and decodes logs of a block range', async () => {
    const { clock, chain, client } = setup()
    chain.mine({ logs: [transferLog(holder, token, 5n)] })
    chain.mine()
    chain.mine({ logs: [transferLog(token, holder, 9n)] })
    const logs = await settleOnClock(
      clock,
      client.getContractEvents({
        abi,
        eventName: 'Transfer',
        address: token,
        fromBlock: 1_001n,
        toBlock: 1_003n,
      }),
    )
    expect(logs.map((log) => [log.blockNumber, log.args.value])).toEqual([
      [1_001n, 5n],
      [1_003n, 9n],
    ])
  })

  it('keeps answering while providers fail: failover is the pool’s, invisible to viem', async () => {
    const { clock, chain, alpha, beta, client } = setup()
    chain.mine()
    alpha.set({ mode: 'down' })
    expect(await settleOnClock(clock, client.getBlockNumber())).toBe(1_001n)
    alpha.set({ mode: 'up' })
    beta.set({ failNext: 5 })
    expect(await settleOnClock(clock, client.getBlockNumber())).toBe(1_001n)
    expect(beta.calls('eth_blockNumber')).toBe(1)
  })

  it('turns a revert into viem’s ContractFunctionRevertedError with the decoded error', async () => {
    const { clock, chain, client } = setup()
    chain.setCall(
      { to: token },
      { revert: encodeErrorResult({ abi, errorName: 'NotAllowed', args: [holder] }) },
    )
    const error = await settleOnClock(
      clock,
      client.readContract({ abi, address: token, functionName: 'balanceOf', args: [holder] }),
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(BaseError)
    const reverted = (error as BaseError).walk((cause) => cause instanceof ContractFunctionRevertedError)
    expect(reverted).toBeInstanceOf(ContractFunctionRevertedError)
    expect((reverted as ContractFunctionRevertedError).data).toMatchObject({
      errorName: 'NotAllowed',
      args: [holder],
    })
    expect((error as BaseError).walk((cause) => cause instanceof RpcRequestError)).toBeInstanceOf(
      RpcRequestError,
    )
    expect((error as BaseError).walk((cause) => cause instanceof UpstreamRpcError)).toBeInstanceOf(
      UpstreamRpcError,
    )
  })

  it('reports an unavailable chain as viem’s ChainDisconnectedError caused by the pool error', async () => {
    const { clock, alpha, beta, client } = setup({
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    alpha.set({ mode: 'down' })
    beta.set({ mode: 'down' })
    // The first call fails on both and opens their breakers; then no provider is available.
    await settleOnClock(clock, client.getBlockNumber()).catch(() => undefined)
    const error = await settleOnClock(clock, client.getBlockNumber()).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ChainDisconnectedError)
    expect((error as BaseError).walk((cause) => cause instanceof NoProviderAvailableError)).toBeInstanceOf(
      NoProviderAvailableError,
    )
  })

  it('sends calls with the configured strategy or to one provider only', async () => {
    const { clock, alpha, beta, pool } = setup()
    const pinned = createPublicClient({
      transport: chainpulse(pool, 1, { providerId: 'beta' }),
      cacheTime: 0,
    })
    await settleOnClock(clock, pinned.getBlockNumber())
    expect(beta.calls('eth_blockNumber')).toBe(1)
    expect(alpha.calls('eth_blockNumber')).toBe(0)
    expect(pinned.transport.pool).toBe(pool)
    expect(pinned.transport.chain).toBe('ethereum')
  })

  it('refuses a client whose chain is not the pool’s, and unknown pool chains', () => {
    const { pool } = setup()
    expect(() => createPublicClient({ chain: polygon, transport: chainpulse(pool, 'ethereum') })).toThrow(
      ConfigError,
    )
    expect(createPublicClient({ chain: mainnet, transport: chainpulse(pool, 'ethereum') }).chain.id).toBe(1)
    expect(() => chainpulse(pool, 'base')).toThrow(UnknownChainError)
    expect(() => chainpulse(pool, 'ethereum', { retryCount: -1 })).toThrow(ConfigError)
  })
})

describe('chainpulse transport: watch actions', () => {
  it('presents itself as a socket transport so viem subscribes instead of polling', () => {
    const { client } = setup()
    expect(client.transport.type).toBe('webSocket')
    expect(typeof client.transport.subscribe).toBe('function')
  })

  it('watchBlocks delivers each mined block once, in order, without polling', async () => {
    const { clock, chain, alpha, beta, client } = setup()
    const seen: { number: bigint; hash: Hash | null }[] = []
    const errors: Error[] = []
    const unwatch = client.watchBlocks({
      onBlock: (block) => seen.push({ number: block.number, hash: block.hash }),
      onError: (error) => errors.push(error),
    })
    await advanceInSteps(clock, 100)
    const mined = chain.mine(3)
    await advanceInSteps(clock, 200)
    expect(seen).toEqual(mined.map((block) => ({ number: BigInt(block.number), hash: block.hash })))
    expect(alpha.calls('eth_blockNumber') + beta.calls('eth_blockNumber')).toBe(0)
    expect(errors).toEqual([])
    unwatch()
  })

  it('watchBlocks keeps going, gap-free, when the fastest provider fails in between', async () => {
    const { clock, chain, alpha, client } = setup()
    const numbers: bigint[] = []
    const unwatch = client.watchBlocks({ onBlock: (block) => numbers.push(block.number) })
    await advanceInSteps(clock, 100)
    chain.mine(2)
    await advanceInSteps(clock, 100)
    alpha.set({ mode: 'down' })
    chain.mine(2)
    await advanceInSteps(clock, 200)
    alpha.set({ mode: 'up' })
    chain.mine()
    await advanceInSteps(clock, 200)
    expect(numbers).toEqual([1_001n, 1_002n, 1_003n, 1_004n, 1_005n])
    unwatch()
  })

  it('watchBlockNumber follows the head through the subscription', async () => {
    const { clock, chain, client } = setup()
    const numbers: bigint[] = []
    const unwatch = client.watchBlockNumber({ onBlockNumber: (number) => numbers.push(number) })
    await advanceInSteps(clock, 100)
    chain.mine(2)
    await advanceInSteps(clock, 100)
    expect(numbers).toEqual([1_001n, 1_002n])
    unwatch()
  })

  it('watchContractEvent delivers decoded logs from the pool’s logs subscription', async () => {
    const { clock, chain, client } = setup()
    const values: bigint[] = []
    const unwatch = client.watchContractEvent({
      abi,
      address: token,
      eventName: 'Transfer',
      args: { to: holder },
      onLogs: (logs) => {
        for (const log of logs) values.push(log.args.value!)
      },
    })
    await advanceInSteps(clock, 100)
    chain.mine({ logs: [transferLog(token, holder, 3n), transferLog(holder, token, 4n)] })
    chain.mine({ logs: [transferLog(token, holder, 8n)] })
    await advanceInSteps(clock, 300)
    expect(values).toEqual([3n, 8n])
    unwatch()
  })

  it('releases the pool subscription when unwatched', async () => {
    const { clock, chain, client } = setup()
    const numbers: bigint[] = []
    const unwatch = client.watchBlockNumber({ onBlockNumber: (number) => numbers.push(number) })
    await advanceInSteps(clock, 100)
    unwatch()
    chain.mine()
    await advanceInSteps(clock, 100)
    expect(numbers).toEqual([])
  })

  it('reports watchPendingTransactions as unsupported through onError, naming `poll: true`', async () => {
    const { clock, client } = setup()
    const errors: Error[] = []
    const unwatch = client.watchPendingTransactions({
      onTransactions: () => {},
      onError: (error) => errors.push(error),
    })
    await advanceInSteps(clock, 20)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toMatch(/poll: true/)
    unwatch()
  })
})
