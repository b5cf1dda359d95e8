import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// Issue 16, history-aware routing, over a real anvil chain: one devnet provider prunes like a geth full
// node (it keeps its newest 128 blocks' state and answers "missing trie node" for older ones), the other
// is an archive. Historical reads through the pool all succeed, answered as the node itself answers, and
// after the first miss they stop going to the pruned provider first. Upstream calls are counted on the
// wire (the pool's injected fetch), per provider.

const FROM = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
const TO = '0x000000000000000000000000000000000000beef'
const PRUNED = 'ethereum-alpha'
const ARCHIVE = 'ethereum-bravo'
const KEPT = 128

let devnet: Devnet
let nodeUrl: string
let head: number
/** One transfer every 20 blocks: TO's balance differs from one stretch of history to the next. */
const TRANSFERS = 15

async function rpc<T>(
  method: string,
  params: unknown[],
  url = nodeUrl,
): Promise<{ result?: T; error?: { code: number; message: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await response.json()) as { result?: T; error?: { code: number; message: string } }
}

const hex = (value: number) => `0x${value.toString(16)}`

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 16,
    chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: 2, traffic: false }],
  })
  nodeUrl = devnet.manifest.chains[0]!.nodeUrl
  const chain = devnet.chain('ethereum')
  for (let i = 0; i < TRANSFERS; i++) {
    const sent = await rpc('eth_sendTransaction', [{ from: FROM, to: TO, value: hex(1_000 + i) }])
    expect(sent.error).toBeUndefined()
    await chain.mine(20)
  }
  head = await chain.mine(KEPT)
  await devnet.provider(PRUNED).set({ stateHistoryBlocks: KEPT })
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
})

/** A pool over both providers, the pruned one first (priority), counting eth_getBalance calls per provider. */
async function makePool(): Promise<{ pool: ProviderPool; calls: Record<string, number> }> {
  const urls = new Map(devnet.manifest.providers.map((provider) => [provider.httpUrl, provider.id]))
  const calls: Record<string, number> = { [PRUNED]: 0, [ARCHIVE]: 0 }
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [PRUNED, ARCHIVE].map((id, priority) => ({
      id,
      chain: 'ethereum',
      httpUrl: devnet.manifest.providers.find((provider) => provider.id === id)!.httpUrl,
      priority,
    })),
    strategy: 'priority',
    racing: false,
    hedge: false,
    coalescing: false,
    fetch: (input, init) => {
      const id = urls.get(String(input))
      const body = typeof init?.body === 'string' ? init.body : ''
      if (id !== undefined && body.includes('"eth_getBalance"')) calls[id]!++
      return fetch(input, init)
    },
  })
  // The first probe round gives every provider's head.
  await vi.waitFor(() => expect(pool.providers().every((provider) => provider.head === head)).toBe(true), {
    timeout: 10_000,
  })
  return { pool, calls }
}

describe('history-aware routing over anvil: a pruned provider next to an archive one', () => {
  it('is a pruned provider as geth is: old state refused with "missing trie node", recent state served', async () => {
    const url = devnet.manifest.providers.find((provider) => provider.id === PRUNED)!.httpUrl
    const old = await rpc<string>('eth_getBalance', [TO, hex(head - KEPT)], url)
    expect(old.error).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^missing trie node [0-9a-f]{64} \(path \)$/),
    })
    const recent = await rpc<string>('eth_getBalance', [TO, hex(head - KEPT + 1)], url)
    expect(recent.result).toBe((await rpc<string>('eth_getBalance', [TO, hex(head - KEPT + 1)])).result)
  })

  it('answers every historical read as the node does; after the first miss, the archive is asked first', async () => {
    const { pool, calls } = await makePool()
    try {
      const blocks = Array.from({ length: TRANSFERS }, (_, i) => 20 * i + 10)
      for (const block of blocks) {
        const answer = await pool.request({
          chain: 'ethereum',
          method: 'eth_getBalance',
          params: [TO, hex(block)],
        })
        expect(answer.result).toBe((await rpc<string>('eth_getBalance', [TO, hex(block)])).result)
        expect(answer.providerId).toBe(ARCHIVE)
      }
      // One miss, the first read; every other read went to the archive alone.
      expect(calls).toEqual({ [PRUNED]: 1, [ARCHIVE]: TRANSFERS })
      expect(pool.providers().find((provider) => provider.id === PRUNED)!.earliestStateBlock).toBe(
        head - KEPT + 1,
      )

      // Recent state: the pruned provider keeps it, and is first for it still.
      const recent = await pool.request({
        chain: 'ethereum',
        method: 'eth_getBalance',
        params: [TO, hex(head - 10)],
      })
      expect(recent.providerId).toBe(PRUNED)
      expect(calls).toEqual({ [PRUNED]: 2, [ARCHIVE]: TRANSFERS })
    } finally {
      await pool.close()
    }
  }, 30_000)
})
