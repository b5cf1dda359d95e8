import {
  ConfigError,
  createProviderPool,
  type ProviderPool,
  UnknownChainError,
  UnknownProviderError,
} from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DemoControls } from './controls.js'
import { createDevnetDemoControls } from './devnet-controls.js'
import type { DemoProviderPreset } from './personality.js'

describe('createDevnetDemoControls', { timeout: 20_000 }, () => {
  let devnet: Devnet
  let pool: ProviderPool
  let controls: DemoControls

  beforeAll(async () => {
    devnet = await startDevnet({
      chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: Array(2).fill({ preset: 'neutral' }) }],
    })
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: devnet.manifest.providers.map(({ id, chain, httpUrl }) => ({ id, chain, httpUrl })),
      racing: false,
    })
    controls = createDevnetDemoControls({ devnet, pool })
  }, 20_000)
  afterAll(async () => {
    await pool?.close()
    await devnet?.stop()
  })

  it('lists the simulated providers with their knobs', async () => {
    expect(await controls.listProviders()).toEqual([
      expect.objectContaining({ id: 'ethereum-alpha', chain: 'ethereum', running: true, mode: 'up' }),
      expect.objectContaining({
        id: 'ethereum-bravo',
        running: true,
        personality: expect.objectContaining({ latencyMs: 0 }),
      }),
    ])
  })

  it('kills, revives and retunes a provider', async () => {
    await controls.kill('ethereum-bravo')
    expect(devnet.provider('ethereum-bravo').personality.mode).toBe('down')
    await controls.revive('ethereum-bravo')
    await controls.setPersonality('ethereum-bravo', { latencyMs: 25, errorRate: 0.5 })
    expect(devnet.provider('ethereum-bravo').personality).toMatchObject({
      mode: 'up',
      latencyMs: 25,
      errorRate: 0.5,
    })
    // A rate-limit storm: only 429s among the injected errors; the other weights are set explicitly.
    await controls.setPersonality('ethereum-bravo', {
      errorMix: { serverError: 0, rateLimit: 1, rpcError: 0 },
    })
    expect(devnet.provider('ethereum-bravo').personality.errorMix).toEqual({
      serverError: 0,
      rateLimit: 1,
      rpcError: 0,
      malformed: 1,
    })
  })

  it('starts a provider into the pool and stops it out of the pool, still listing it', async () => {
    const { id } = await controls.startProvider({ chain: 'ethereum', preset: 'slow' })
    expect(pool.providers('ethereum').map((provider) => provider.id)).toContain(id)
    const { result } = await pool.request({ chain: 'ethereum', method: 'eth_chainId' }, { providerId: id })
    expect(result).toBe('0x1')

    await controls.stopProvider(id)
    expect(pool.providers('ethereum').map((provider) => provider.id)).not.toContain(id)
    expect(await controls.listProviders()).toContainEqual(
      expect.objectContaining({ id, running: false, mode: 'down' }),
    )
  })

  it('reorganises a chain: the newest blocks get new hashes at the same heights', async () => {
    const chain = devnet.chain('ethereum')
    const head = await chain.mine(3)
    const before = await chain.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false])

    const result = await controls.reorg('ethereum', { depth: 2 })

    expect(result).toMatchObject({ chain: 'ethereum', depth: 2, dropped: [] })
    expect(result.replaced.map((block) => block.number)).toEqual([head - 1, head])
    expect(result.replaced.at(-1)?.hash).toBe(before.hash)
    expect(result.blocks.map((block) => block.number)).toEqual([head - 1, head])
    const after = await chain.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false])
    expect(after.hash).toBe(result.blocks.at(-1)?.hash)
    expect(after.hash).not.toBe(before.hash)
  })

  it('turns bad input into the errors the API maps to 404 and 400', async () => {
    await expect(controls.reorg('solana', { depth: 1 })).rejects.toBeInstanceOf(UnknownChainError)
    const tooDeep = controls.reorg('ethereum', { depth: 65 })
    await expect(tooDeep).rejects.toBeInstanceOf(ConfigError)
    await expect(tooDeep).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'depth' })] })
    await expect(controls.kill('nope')).rejects.toBeInstanceOf(UnknownProviderError)
    await expect(controls.startProvider({ chain: 'solana' })).rejects.toBeInstanceOf(UnknownChainError)
    // The type allows only preset names; a caller from JavaScript can still pass anything.
    const turbo = 'turbo' as DemoProviderPreset
    await expect(controls.startProvider({ chain: 'ethereum', preset: turbo })).rejects.toBeInstanceOf(
      ConfigError,
    )
    await expect(controls.startProvider({ chain: 'ethereum', id: 'ethereum-alpha' })).rejects.toBeInstanceOf(
      ConfigError,
    )
    const invalid = controls.setPersonality('ethereum-alpha', { errorRate: 2 })
    await expect(invalid).rejects.toBeInstanceOf(ConfigError)
    await expect(invalid).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'errorRate' })] })
  })
})
