import { createHttpTransport, createWsTransport } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'

/** One HTTP and one WebSocket transport to a single provider, whose connections are cut once. */
export async function main() {
  const devnet = await startDevnet({
    chains: [{ name: 'ethereum', blockTimeMs: 200, traffic: false, providers: [{ preset: 'neutral' }] }],
  })
  const provider = devnet.provider('ethereum-alpha')
  const url = provider.httpUrl
  const heads: number[] = []
  const onHead = (head: unknown) => heads.push(Number.parseInt((head as { number: string }).number, 16))
  // Where the pool fetches the blocks a dropped stream missed; here, a record of each drop.
  const backfills: (string | undefined)[] = []
  const backfillMissedBlocks = (since: string | undefined) => backfills.push(since)

  try {
    const http = createHttpTransport({ url, timeoutMs: 5_000, providerId: 'alpha' })
    const { response, text, status } = await http.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_blockNumber',
    })

    const ws = createWsTransport({ url: provider.wsUrl, providerId: 'alpha' })
    const subscription = await ws.subscribe(['newHeads'], (head) => onHead(head), {
      onResubscribed: ({ previousUpstreamId }) => backfillMissedBlocks(previousUpstreamId),
    })
    const { result } = (await ws.request('eth_blockNumber')) as { result: string }

    // The provider cuts every WebSocket connection: the transport reconnects and subscribes again.
    while (heads.length < 2) await new Promise((resolve) => setTimeout(resolve, 20))
    provider.dropConnections()
    const before = heads.length
    while (heads.length < before + 2) await new Promise((resolve) => setTimeout(resolve, 20))

    await subscription.unsubscribe()
    ws.close()
    return { response, text, status, wsBlockNumber: result, heads, backfills }
  } finally {
    await devnet.stop()
  }
}
