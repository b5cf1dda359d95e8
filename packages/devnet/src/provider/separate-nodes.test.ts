import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { DevnetChain } from '../devnet.js'
import { type Devnet, startDevnet } from '../devnet.js'
import { hexToNumber, type JsonRpcResponse, numberToHex } from '../rpc/json-rpc.js'
import { waitFor } from '../testing/wait-for.js'
import { connectWs, type TestWsClient } from '../testing/ws-client.js'
import { neutralPersonality } from './personality.js'
import type { SimulatedProvider } from './simulated-provider.js'

// Two providers in front of one manually mined node: what one of them holds, the other must not.
let devnet: Devnet
let chain: DevnetChain
let alpha: SimulatedProvider
let bravo: SimulatedProvider
const clients: TestWsClient[] = []

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 3,
    control: false,
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 'manual',
        providers: [
          { id: 'alpha', preset: 'neutral' },
          { id: 'bravo', preset: 'neutral' },
        ],
      },
    ],
  })
  chain = devnet.chain('ethereum')
  alpha = devnet.provider('alpha')
  bravo = devnet.provider('bravo')
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await devnet?.stop()
})

beforeEach(async () => {
  await Promise.all([alpha.set({ ...neutralPersonality }), bravo.set({ ...neutralPersonality })])
})

/** One JSON-RPC call over HTTP; the whole answer, error or result. */
async function http(
  provider: SimulatedProvider,
  method: string,
  params: unknown[] = [],
): Promise<JsonRpcResponse> {
  const response = await fetch(provider.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 42, method, params }),
  })
  return (await response.json()) as JsonRpcResponse
}

const ws = async (provider: SimulatedProvider) => {
  const client = await connectWs(provider.wsUrl)
  clients.push(client)
  return client
}

const FILTER_NOT_FOUND = { code: -32000, message: 'filter not found' }

describe('filters are provider-local', () => {
  const creators: [string, unknown[]][] = [
    ['eth_newFilter', [{ fromBlock: 'latest' }]],
    ['eth_newBlockFilter', []],
    ['eth_newPendingTransactionFilter', []],
  ]

  it('a filter made through one provider is unknown to its sibling, over HTTP and WebSocket', async () => {
    const bravoWs = await ws(bravo)
    for (const [method, params] of creators) {
      const created = await http(alpha, method, params)
      const id = created.result as string
      expect(id, method).toMatch(/^0x[0-9a-f]+$/)
      for (const poll of ['eth_getFilterChanges', 'eth_getFilterLogs']) {
        expect((await http(bravo, poll, [id])).error, `${method} → ${poll} over HTTP`).toEqual(
          FILTER_NOT_FOUND,
        )
        expect((await bravoWs.request(poll, [id])).error, `${method} → ${poll} over WS`).toEqual(
          FILTER_NOT_FOUND,
        )
      }
      expect((await http(bravo, 'eth_uninstallFilter', [id])).result, method).toBe(false)
      expect((await bravoWs.request('eth_uninstallFilter', [id])).result, method).toBe(false)
      // ...and the sibling's uninstall left it installed on its owner
      expect((await http(alpha, 'eth_getFilterChanges', [id])).error, method).toBeUndefined()
    }
  })

  it('the owner serves its filter over both its fronts, and its polls consume only its changes', async () => {
    const alphaWs = await ws(alpha)
    const logs = (await alphaWs.request('eth_newFilter', [{ address: chain.emitterAddress }]))
      .result as string
    const ownBlocks = (await http(alpha, 'eth_newBlockFilter')).result as string
    const siblingBlocks = (await http(bravo, 'eth_newBlockFilter')).result as string
    const tick = await chain.traffic.tick()
    const head = await chain.mine(1)
    const hash = ((await chain.rpc('eth_getBlockByNumber', [numberToHex(head), false])) as { hash: string })
      .hash

    const changes = (await http(alpha, 'eth_getFilterChanges', [logs])).result as {
      transactionHash: string
    }[]
    expect(changes.map((log) => log.transactionHash)).toEqual([tick.pingTx])
    expect((await alphaWs.request('eth_getFilterChanges', [logs])).result).toEqual([])
    expect((await http(alpha, 'eth_getFilterLogs', [logs])).result).toHaveLength(1)

    expect((await alphaWs.request('eth_getFilterChanges', [ownBlocks])).result).toEqual([hash])
    expect((await http(alpha, 'eth_getFilterChanges', [ownBlocks])).result).toEqual([])
    // bravo's filter saw the same block, untouched by alpha's polls
    expect((await http(bravo, 'eth_getFilterChanges', [siblingBlocks])).result).toEqual([hash])

    expect((await alphaWs.request('eth_uninstallFilter', [logs])).result).toBe(true)
    expect((await http(alpha, 'eth_getFilterChanges', [logs])).error).toEqual(FILTER_NOT_FOUND)
  })

  it('a batch mixes foreign and own filter ids, each answered as its node would', async () => {
    const own = (await http(bravo, 'eth_newBlockFilter')).result as string
    const foreign = (await http(alpha, 'eth_newBlockFilter')).result as string
    const response = await fetch(bravo.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'eth_getFilterChanges', params: [foreign] },
        { jsonrpc: '2.0', id: 'b', method: 'eth_getFilterChanges', params: [own] },
        { jsonrpc: '2.0', id: 'c', method: 'eth_chainId', params: [] },
      ]),
    })
    expect(await response.json()).toEqual([
      { jsonrpc: '2.0', id: 'a', error: FILTER_NOT_FOUND },
      { jsonrpc: '2.0', id: 'b', result: [] },
      { jsonrpc: '2.0', id: 'c', result: '0x1' },
    ])
  })

  it('a restarted provider has forgotten its filters, and so has the node', async () => {
    const id = (await http(alpha, 'eth_newBlockFilter')).result as string
    await alpha.kill()
    await expect(http(alpha, 'eth_chainId')).rejects.toThrow()
    await alpha.revive()
    expect((await http(alpha, 'eth_getFilterChanges', [id])).error).toEqual(FILTER_NOT_FOUND)
    // uninstalled on the shared node too, so nothing leaks there
    await waitFor(
      async () => {
        try {
          await chain.rpc('eth_getFilterChanges', [id])
          return false
        } catch (error) {
          return String(error).includes('filter not found')
        }
      },
      { what: 'the node to drop the filter' },
    )
    // a new filter works as before
    const fresh = (await http(alpha, 'eth_newBlockFilter')).result as string
    expect((await http(alpha, 'eth_getFilterChanges', [fresh])).result).toEqual([])
  })
})

describe('a lagging provider knows blocks up to its lagged head only', () => {
  it('refuses block numbers above it as the node refuses numbers above its own head', async () => {
    const txs: string[] = []
    for (let block = 0; block < 4; block++) {
      txs.push((await chain.traffic.tick()).pingTx)
      await chain.mine(1)
    }
    const head = await chain.blockNumber()
    await bravo.set({ lagBlocks: 3 })
    const lagged = head - 3
    const outOfRange = (requested: number) => ({
      code: -32602,
      message: `BlockOutOfRangeError: block height is ${lagged} but requested was ${requested}`,
    })
    const account = chain.accounts[0]
    const bravoWs = await ws(bravo)

    expect(hexToNumber((await http(bravo, 'eth_blockNumber')).result)).toBe(lagged)
    // what the node itself answers for a number above its head, with the lagged head in the message
    expect((await chain.rpc('eth_getBlockByNumber', [numberToHex(head + 1), false])) ?? null).toBeNull()
    expect((await http(bravo, 'eth_getBlockByNumber', [numberToHex(head), false])).result).toBeNull()
    expect(
      (await bravoWs.request('eth_getBlockByNumber', [numberToHex(lagged + 1), false])).result,
    ).toBeNull()
    expect((await http(bravo, 'eth_getBlockByNumber', [numberToHex(lagged), false])).result).toMatchObject({
      number: numberToHex(lagged),
    })
    expect((await http(bravo, 'eth_getBalance', [account, numberToHex(head)])).error).toEqual(
      outOfRange(head),
    )
    expect(
      (await bravoWs.request('eth_call', [{ to: chain.emitterAddress }, numberToHex(lagged + 1)])).error,
    ).toEqual(outOfRange(lagged + 1))
    expect(
      (await http(bravo, 'eth_getTransactionCount', [account, { blockNumber: numberToHex(head) }])).error,
    ).toEqual(outOfRange(head))
    expect((await http(bravo, 'eth_getBalance', [account, numberToHex(lagged)])).result).toBe(
      await chain.rpc('eth_getBalance', [account, numberToHex(lagged)]),
    )

    // logs: a range reaching past the lagged head ends there, one starting past it is refused
    const range = (await http(bravo, 'eth_getLogs', [
      { fromBlock: numberToHex(head - 3), toBlock: numberToHex(head), address: chain.emitterAddress },
    ])) as { result: { transactionHash: string }[] }
    expect(range.result.map((log) => log.transactionHash)).toEqual([txs[0]])
    expect((await http(bravo, 'eth_getLogs', [{ fromBlock: numberToHex(head - 1) }])).error).toEqual(
      outOfRange(head - 1),
    )

    // by hash: a receipt or block above the lagged head is not known yet
    expect((await http(bravo, 'eth_getTransactionReceipt', [txs[3]])).result).toBeNull()
    expect((await http(bravo, 'eth_getTransactionReceipt', [txs[0]])).result).toMatchObject({
      transactionHash: txs[0],
    })
    const newest = (await chain.rpc('eth_getBlockByNumber', ['latest', false])) as { hash: string }
    expect((await bravoWs.request('eth_getBlockByHash', [newest.hash, false])).result).toBeNull()
    expect((await http(bravo, 'eth_getLogs', [{ blockHash: newest.hash }])).error).toEqual({
      code: -32000,
      message: 'unknown block',
    })

    // its sibling without lag answers all of it
    expect((await http(alpha, 'eth_getBlockByNumber', [numberToHex(head), false])).result).toEqual(newest)
    expect((await http(alpha, 'eth_getTransactionReceipt', [txs[3]])).result).not.toBeNull()
  })
})
