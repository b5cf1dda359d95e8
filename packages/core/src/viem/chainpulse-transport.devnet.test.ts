import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { waitFor } from '@chainpulse/devnet/testing'
import { createPublicClient, parseAbiItem } from 'viem'
import { mainnet } from 'viem/chains'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createProviderPool } from '../provider-pool/provider-pool.js'
import type { ProviderPool } from '../provider-pool/types.js'
import { chainpulse } from './chainpulse-transport.js'

// viem, end to end, through the pool, against real anvil nodes behind simulated providers.
let devnet: Devnet
let pool: ProviderPool

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 3,
    chains: [{ name: 'ethereum', blockTimeMs: 200, providers: Array(3).fill({ preset: 'neutral' }) }],
  })
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
      id,
      chain,
      httpUrl,
      wsUrl,
    })),
    strategy: 'round-robin',
    requestTimeoutMs: 1_000,
  })
}, 30_000)
afterAll(async () => {
  await pool?.close()
  await devnet?.stop()
})

it('getBlockNumber, getBalance, getLogs and watchBlocks keep working through a provider failure', async () => {
  const client = createPublicClient({ chain: mainnet, transport: chainpulse(pool, 'ethereum') })
  const ethereum = devnet.chain('ethereum')
  const account = ethereum.accounts[0]! as `0x${string}`

  const pings = () =>
    client.getLogs({
      address: ethereum.emitterAddress as `0x${string}`,
      event: parseAbiItem('event Ping(address indexed sender, uint256 value)'),
      fromBlock: 0n,
    })

  const seen: bigint[] = []
  const unwatch = client.watchBlocks({ onBlock: (block) => seen.push(block.number!), emitMissed: true })
  await waitFor(() => seen.length >= 2, { timeoutMs: 5_000, what: 'first blocks' })
  // The devnet's traffic emits its first Ping about 0.5 s in: wait for one, so there are logs to find.
  const before = await waitFor(async () => (await pings()).length || undefined, {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: 'a first Ping log',
  })

  // The provider that delivers first dies; everything goes on through the others.
  await devnet.provider('ethereum-alpha').kill()
  const blockNumber = await client.getBlockNumber({ cacheTime: 0 })
  expect(blockNumber).toBeGreaterThan(0n)
  expect(await client.getBalance({ address: account })).toBeGreaterThan(0n)
  expect((await pings()).length).toBeGreaterThanOrEqual(before)

  const atKill = seen.length
  await waitFor(() => seen.length >= atKill + 5, { timeoutMs: 10_000, what: 'blocks after the failure' })
  unwatch()
  await devnet.provider('ethereum-alpha').revive()
  for (let index = 1; index < seen.length; index++) expect(seen[index]).toBe(seen[index - 1]! + 1n)
}, 60_000)
