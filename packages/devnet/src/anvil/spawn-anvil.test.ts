import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { AnvilError } from '../errors.js'
import { hexToNumber, rpcCall } from '../rpc/json-rpc.js'
import { isProcessAlive } from '../testing/process-alive.js'
import { waitFor } from '../testing/wait-for.js'
import { locateAnvil } from './locate-anvil.js'
import { type AnvilNode, spawnAnvil } from './spawn-anvil.js'

const started: AnvilNode[] = []
const start = async (...args: Parameters<typeof spawnAnvil>) => {
  const node = await spawnAnvil(...args)
  started.push(node)
  return node
}

afterAll(async () => {
  await Promise.all(started.map((node) => node.stop()))
})

describe('spawnAnvil', () => {
  it('finds the binary through the platform package', () => {
    expect(locateAnvil({})).toMatch(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil/)
  })

  it('starts a node on a free loopback port that answers with its chain id', async () => {
    const node = await start({ chainId: 137 })
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(node.port).toBeGreaterThan(0)
    expect(hexToNumber(await rpcCall(node.url, 'eth_chainId'))).toBe(137)
  })

  it('mines on its own at the configured block time', async () => {
    const node = await start({ chainId: 1, blockTime: 100 })
    await waitFor(async () => hexToNumber(await rpcCall(node.url, 'eth_blockNumber')) >= 3, {
      what: 'three blocks',
    })
  })

  it('mines nothing in manual mode until asked', async () => {
    const node = await start({ chainId: 1, blockTime: 'manual' })
    expect(hexToNumber(await rpcCall(node.url, 'eth_blockNumber'))).toBe(0)
    await rpcCall(node.url, 'anvil_mine', ['0x2'])
    expect(hexToNumber(await rpcCall(node.url, 'eth_blockNumber'))).toBe(2)
  })

  it('runs the hardfork asked for and, with pruned history, mines a long chain at a flat cost per block', async () => {
    const node = await start({ chainId: 1, hardfork: 'cancun', pruneHistory: true })
    const started = performance.now()
    await rpcCall(node.url, 'anvil_mine', ['0x4e20'])
    // 20,000 blocks: 1-3 s on 2 cores; with anvil's defaults, minutes (each block costs more than the last).
    expect(performance.now() - started).toBeLessThan(15_000)
    const block = await rpcCall<Record<string, unknown>>(node.url, 'eth_getBlockByNumber', ['0x4e20', false])
    expect(block).toHaveProperty('parentBeaconBlockRoot') // Cancun's
    expect(block).not.toHaveProperty('requestsHash') // Prague's
    const account = (await rpcCall<string[]>(node.url, 'eth_accounts'))[0]
    await expect(rpcCall(node.url, 'eth_getBalance', [account, 'latest'])).resolves.toMatch(/^0x/)
    // No past states: a call against one is refused.
    await expect(rpcCall(node.url, 'eth_getBalance', [account, '0x2'])).rejects.toThrow(/block height/i)
  })

  it('leaves no process behind when stopped', async () => {
    const node = await spawnAnvil({ chainId: 1 })
    expect(isProcessAlive(node.pid)).toBe(true)
    await node.stop()
    expect(isProcessAlive(node.pid)).toBe(false)
    await expect(rpcCall(node.url, 'eth_chainId')).rejects.toThrow()
  })

  it('reports why a node failed to start', async () => {
    const node = await start({ chainId: 1 })
    await expect(spawnAnvil({ chainId: 1, port: node.port })).rejects.toThrowError(AnvilError)
    await expect(spawnAnvil({ chainId: 1, port: node.port })).rejects.toThrowError(/in use/i)
  })

  it('dies with its parent even when the parent is SIGKILLed', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/hold-anvil.ts', import.meta.url))
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    try {
      const pid = await waitFor(() => /^(\d+)\n/.exec(output)?.[1], {
        timeoutMs: 15_000,
        what: 'the anvil pid',
      })
      expect(isProcessAlive(Number(pid))).toBe(true)
      parent.kill('SIGKILL')
      await waitFor(() => !isProcessAlive(Number(pid)), { what: 'anvil to exit after its parent' })
    } finally {
      parent.kill('SIGKILL')
    }
  })
})
