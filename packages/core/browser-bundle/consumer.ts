/**
 * The browser application the size budget and the web-runtime test bundle: a ChainPulse pool over one
 * chain and a viem client on it, as a dapp would write them. Only what it exports (and what that
 * reaches) ends up in the bundle, so this is the cost of "a pool plus the viem transport".
 */
import { createProviderPool } from '@chainpulse/core'
import { chainpulse } from '@chainpulse/core/viem'
import { createPublicClient } from 'viem'

function connect(chainId: number, provider: { httpUrl?: string; wsUrl?: string }) {
  const pool = createProviderPool({
    chains: [{ name: 'app', chainId }],
    providers: [{ id: 'rpc', chain: 'app', ...provider }],
  })
  return { pool, client: createPublicClient({ transport: chainpulse(pool, 'app') }) }
}

/** Reads the chain id and the block number through a pool with one HTTP provider. */
export async function readChain(httpUrl: string, chainId: number) {
  const { pool, client } = connect(chainId, { httpUrl })
  try {
    return { chainId: await client.getChainId(), blockNumber: await client.getBlockNumber() }
  } finally {
    await pool.close()
  }
}

/** Resolves with the number of the next block announced over a WebSocket-only provider's `newHeads`. */
export async function nextBlockNumber(wsUrl: string, chainId: number): Promise<bigint> {
  const { pool, client } = connect(chainId, { wsUrl })
  try {
    return await new Promise<bigint>((resolve, reject) => {
      const unwatch = client.watchBlockNumber({
        emitOnBegin: false,
        onBlockNumber: (blockNumber) => {
          unwatch()
          resolve(blockNumber)
        },
        onError: reject,
      })
    })
  } finally {
    await pool.close()
  }
}
