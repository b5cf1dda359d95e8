import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from './devnet.js'
import { DevnetConfigError, DevnetLookupError } from './errors.js'
import { hexToNumber, rpcCall } from './rpc/json-rpc.js'
import { isProcessAlive } from './testing/process-alive.js'
import { waitFor } from './testing/wait-for.js'
import { connectWs, type TestWsClient } from './testing/ws-client.js'
import { PING_TOPIC, pingCalldata } from './traffic/log-emitter.js'

let devnet: Devnet
const clients: TestWsClient[] = []

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 5,
    chains: [
      { name: 'ethereum', blockTimeMs: 'manual', providers: [{ preset: 'neutral' }, { preset: 'neutral' }] },
      { name: 'polygon', blockTimeMs: 'manual', providers: [{ preset: 'neutral' }, { preset: 'neutral' }] },
    ],
  })
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await devnet?.stop()
})

const ws = async (url: string) => {
  const client = await connectWs(url)
  clients.push(client)
  return client
}

describe('startDevnet', () => {
  it('lists every chain and provider on loopback in the manifest', () => {
    const { manifest } = devnet
    expect(manifest.chains.map((chain) => [chain.name, chain.chainId])).toEqual([
      ['ethereum', 1],
      ['polygon', 137],
    ])
    expect(manifest.providers.map((provider) => provider.id)).toEqual([
      'ethereum-alpha',
      'ethereum-bravo',
      'polygon-alpha',
      'polygon-bravo',
    ])
    for (const provider of manifest.providers) {
      expect(provider.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(provider.wsUrl).toBe(provider.httpUrl.replace('http', 'ws'))
      expect(provider.personality.mode).toBe('up')
    }
    expect(manifest.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(new Set(manifest.providers.map((provider) => provider.httpUrl)).size).toBe(4)
  })

  it('serves the node’s chain data over HTTP from every provider', async () => {
    for (const chain of devnet.chains()) {
      const tick = await chain.traffic.tick()
      await chain.mine(1)
      const [head, block, balance, logs] = await Promise.all([
        chain.rpc('eth_blockNumber'),
        chain.rpc('eth_getBlockByNumber', ['latest', false]),
        chain.rpc('eth_getBalance', [chain.accounts[1], 'latest']),
        chain.rpc('eth_getLogs', [{ fromBlock: '0x0', address: chain.emitterAddress }]),
      ])
      expect((logs as { data: string }[]).some((log) => log.data === pingCalldata(tick.value))).toBe(true)
      for (const provider of devnet.providers(chain.name)) {
        const url = provider.httpUrl
        expect(hexToNumber(await rpcCall(url, 'eth_chainId'))).toBe(chain.chainId)
        expect(await rpcCall(url, 'eth_blockNumber')).toBe(head)
        expect(await rpcCall(url, 'eth_getBlockByNumber', ['latest', false])).toEqual(block)
        expect(await rpcCall(url, 'eth_getBalance', [chain.accounts[1], 'latest'])).toBe(balance)
        expect(
          await rpcCall(url, 'eth_getLogs', [{ fromBlock: '0x0', address: chain.emitterAddress }]),
        ).toEqual(logs)
      }
    }
  })

  it('streams the node’s newHeads and logs over WebSocket from every provider', async () => {
    const chain = devnet.chain('polygon')
    const subscriptions = await Promise.all(
      devnet.providers('polygon').map(async (provider) => {
        const client = await ws(provider.wsUrl)
        const heads = await client.subscribe(['newHeads'])
        const logs = await client.subscribe(['logs', { address: chain.emitterAddress, topics: [PING_TOPIC] }])
        return { client, heads, logs }
      }),
    )
    const tick = await chain.traffic.tick()
    const head = await chain.mine(1)
    const block = await chain.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${head.toString(16)}`, false])
    const [log] = await chain.rpc<{ transactionHash: string }[]>('eth_getLogs', [{ blockHash: block.hash }])
    expect(log?.transactionHash).toBe(tick.pingTx)
    for (const { client, heads, logs } of subscriptions) {
      await waitFor(
        () => client.notifications.get(heads)?.length === 1 && client.notifications.get(logs)?.length === 1,
        {
          what: 'one head and one log',
        },
      )
      expect(client.notifications.get(heads)?.[0]?.result).toMatchObject({
        hash: block.hash,
        number: `0x${head.toString(16)}`,
      })
      expect(client.notifications.get(logs)?.[0]?.result).toEqual(log)
    }
  })

  it('serves eth_getLogs and logs subscriptions only for matching filters', async () => {
    const chain = devnet.chain('ethereum')
    const client = await ws(devnet.provider('ethereum-alpha').wsUrl)
    const other = await client.subscribe(['logs', { address: '0x000000000000000000000000000000000000dead' }])
    const mine = await client.subscribe(['logs', { topics: [PING_TOPIC] }])
    await chain.traffic.tick()
    await chain.mine(1)
    await waitFor(() => client.notifications.get(mine)?.length === 1, { what: 'the matching log' })
    expect(client.notifications.get(other)).toEqual([])
  })

  it('adds and removes providers at runtime', async () => {
    const added = await devnet.addProvider({ chain: 'ethereum', personality: { latencyMs: 1 } })
    expect(added.id).toBe('ethereum-charlie')
    expect(added.profile).toBe('steady')
    expect(added.personality.latencyMs).toBe(1)
    expect(hexToNumber(await rpcCall(added.httpUrl, 'eth_chainId'))).toBe(1)
    expect(devnet.manifest.providers.map((provider) => provider.id)).toContain('ethereum-charlie')
    await devnet.removeProvider('ethereum-charlie')
    expect(devnet.manifest.providers.map((provider) => provider.id)).not.toContain('ethereum-charlie')
    await expect(rpcCall(added.httpUrl, 'eth_chainId')).rejects.toThrow()
    expect(() => devnet.provider('ethereum-charlie')).toThrowError(DevnetLookupError)
  })

  it('refuses a taken provider id and an unknown chain', async () => {
    await expect(devnet.addProvider({ chain: 'ethereum', id: 'ethereum-alpha' })).rejects.toThrowError(
      DevnetLookupError,
    )
    await expect(devnet.addProvider({ chain: 'solana' })).rejects.toThrowError(/unknown chain/)
  })

  it('mines on demand', async () => {
    const chain = devnet.chain('ethereum')
    const before = await chain.blockNumber()
    expect(await chain.mine(3)).toBe(before + 3)
  })
})

describe('control API', () => {
  const control = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${devnet.controlUrl}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body === undefined
        ? {}
        : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }))

  it('serves the manifest', async () => {
    const { status, body } = await control('/manifest')
    expect(status).toBe(200)
    expect(body).toEqual(JSON.parse(JSON.stringify(devnet.manifest)))
  })

  it('changes a personality knob', async () => {
    const { status, body } = await control('/providers/polygon-alpha', {
      method: 'PATCH',
      body: { lagBlocks: 2, latencyMs: 3 },
    })
    expect(status).toBe(200)
    expect(body.personality).toMatchObject({ lagBlocks: 2, latencyMs: 3 })
    expect(devnet.provider('polygon-alpha').personality.lagBlocks).toBe(2)
    const head = await devnet.chain('polygon').blockNumber()
    expect(hexToNumber(await rpcCall(devnet.provider('polygon-alpha').httpUrl, 'eth_blockNumber'))).toBe(
      head - 2,
    )
    await control('/providers/polygon-alpha', { method: 'PATCH', body: { lagBlocks: 0, latencyMs: 0 } })
  })

  it('answers 400 naming the bad knob', async () => {
    const { status, body } = await control('/providers/polygon-alpha', {
      method: 'PATCH',
      body: { errorRate: -1 },
    })
    expect(status).toBe(400)
    expect(body.error).toMatchObject({ path: ['errorRate'] })
  })

  it('answers 404 for an unknown provider and 405 for a wrong method', async () => {
    expect((await control('/providers/nope')).status).toBe(404)
    expect((await control('/manifest', { method: 'DELETE' })).status).toBe(405)
  })

  it('kills and revives a provider', async () => {
    const url = devnet.provider('polygon-bravo').httpUrl
    expect(
      (await control('/providers/polygon-bravo/kill', { method: 'POST' })).body.personality,
    ).toMatchObject({ mode: 'down' })
    await expect(rpcCall(url, 'eth_chainId')).rejects.toThrow()
    await control('/providers/polygon-bravo/revive', { method: 'POST' })
    expect(hexToNumber(await rpcCall(url, 'eth_chainId'))).toBe(137)
  })

  it('drops WebSocket connections', async () => {
    const client = await ws(devnet.provider('polygon-bravo').wsUrl)
    const { body } = await control('/providers/polygon-bravo/drop', { method: 'POST' })
    expect(body.dropped).toBeGreaterThanOrEqual(1)
    expect(await client.closed).toBe(1006)
  })

  it('adds and removes a provider', async () => {
    const added = await control('/providers', {
      method: 'POST',
      body: { chain: 'polygon', id: 'polygon-extra', preset: 'slow' },
    })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ id: 'polygon-extra', profile: 'slow' })
    expect((await control('/providers')).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'polygon-extra' })]),
    )
    expect((await control('/providers/polygon-extra', { method: 'DELETE' })).body).toEqual({
      removed: 'polygon-extra',
    })
    expect((await control('/providers/polygon-extra')).status).toBe(404)
  })

  it('mines blocks', async () => {
    const before = await devnet.chain('ethereum').blockNumber()
    const { body } = await control('/chains/ethereum/mine', { method: 'POST', body: { blocks: 2 } })
    expect(body.blockNumber).toBe(before + 2)
  })
})

/** anvil processes on this machine started with a given chain id (ids below are unique to this file). */
function anvilsWithChainId(chainId: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000')
        return (
          /anvil$/.test(args[0] ?? '') &&
          args.includes('--chain-id') &&
          args[args.indexOf('--chain-id') + 1] === String(chainId)
        )
      } catch {
        return false
      }
    })
    .map(Number)
    .filter(isProcessAlive)
}

describe('lifecycle', () => {
  it('leaves no anvil process and no open port after stop', async () => {
    const net = await startDevnet({ chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: 1 }] })
    const { manifest } = net
    const pid = manifest.chains[0]?.nodePid ?? -1
    expect(isProcessAlive(pid)).toBe(true)
    await net.stop()
    expect(isProcessAlive(pid)).toBe(false)
    await expect(rpcCall(manifest.providers[0]?.httpUrl ?? '', 'eth_chainId')).rejects.toThrow()
    await expect(fetch(`${manifest.controlUrl}/manifest`)).rejects.toThrow()
  })

  it('stops what it started when a later part fails to start', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const takenPort = (blocker.address() as { port: number }).port
    try {
      await expect(
        startDevnet({
          chains: [
            { name: 'first', chainId: 990_001, blockTimeMs: 'manual', providers: 1 },
            { name: 'second', chainId: 990_002, blockTimeMs: 'manual', providers: [{ port: takenPort }] },
          ],
        }),
      ).rejects.toThrow(/EADDRINUSE/)
      expect(anvilsWithChainId(990_001)).toEqual([])
      expect(anvilsWithChainId(990_002)).toEqual([])
    } finally {
      blocker.close()
    }
  })

  it('rejects invalid options before starting anything', async () => {
    await expect(startDevnet({ chains: [{ name: 'ethereum', blockTimeMs: 5 }] })).rejects.toThrowError(
      DevnetConfigError,
    )
    await expect(startDevnet({ chains: [{ name: 'ethereum', blockTimeMs: 5 }] })).rejects.toThrowError(
      /chains\[0\]\.blockTimeMs/,
    )
  })

  it('keeps a chain busy with background traffic', async () => {
    const net = await startDevnet({
      control: false,
      chains: [{ name: 'arbitrum', blockTimeMs: 100, providers: 1, traffic: { intervalMs: 30 } }],
    })
    try {
      const chain = net.chain('arbitrum')
      expect(chain.traffic.running).toBe(true)
      await waitFor(
        async () =>
          (await chain.rpc<unknown[]>('eth_getLogs', [{ fromBlock: '0x0', address: chain.emitterAddress }]))
            .length >= 3,
        { what: 'three logs from background traffic' },
      )
    } finally {
      await net.stop()
    }
  })
})
