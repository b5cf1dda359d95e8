import { createProviderPool } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'

export async function main() {
  // A local chain with three well-behaved providers in front of one anvil node.
  const devnet = await startDevnet({
    chains: [
      { name: 'ethereum', blockTimeMs: 200, traffic: false, providers: Array(3).fill({ preset: 'neutral' }) },
    ],
  })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
      id,
      chain,
      httpUrl,
      wsUrl,
    })),
    strategy: 'round-robin',
  })
  try {
    const failovers: number[] = []
    pool.pubsub.subscribe('routing:decisions', (decision) => failovers.push(decision.failoverCount))
    const blocks: number[] = []
    const heads = pool.subscribe('ethereum', 'newHeads', (block) => blocks.push(Number(block.number)))

    // One provider dies: every call still gets an answer, from the others.
    await devnet.provider('ethereum-alpha').kill()
    const servedBy: string[] = []
    for (let call = 0; call < 6; call++) {
      const { providerId } = await pool.request({ chain: 'ethereum', method: 'eth_blockNumber' })
      servedBy.push(providerId)
    }
    while (blocks.length < 3) await new Promise((resolve) => setTimeout(resolve, 50))
    heads.unsubscribe()

    return { servedBy, failedOver: failovers.some((count) => count > 0), blocks }
  } finally {
    await pool.close()
    await devnet.stop()
  }
}
