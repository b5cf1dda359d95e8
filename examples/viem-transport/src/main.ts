import { createProviderPool } from '@chainpulse/core'
import { chainpulse } from '@chainpulse/core/viem'
import { startDevnet } from '@chainpulse/devnet'
import { createPublicClient } from 'viem'
import { mainnet } from 'viem/chains'

// One local chain (chain id 1, like mainnet) behind three providers, with a block every 250 ms.
const devnet = await startDevnet({
  chains: [
    { name: 'ethereum', blockTimeMs: 250, traffic: false, providers: Array(3).fill({ preset: 'neutral' }) },
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
})

/** Resolves once `condition()` holds, checking every 25 ms. */
async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 25))
}

try {
  // watchBlocks is served by the pool's newHeads subscription: no polling, each block once, in order.
  let blocks = 0
  const client = createPublicClient({ chain: mainnet, transport: chainpulse(pool, 'ethereum') })
  const unwatch = client.watchBlocks({
    onBlock: (block) => {
      blocks++
      console.log(`block ${block.number}`)
    },
  })

  await until(() => blocks >= 3)
  // Two of the three providers die, one after the other; viem does not notice.
  for (const id of ['ethereum-alpha', 'ethereum-bravo']) {
    await devnet.provider(id).kill()
    console.log(`${id} is down`)
    console.log(`getBlockNumber ${await client.getBlockNumber({ cacheTime: 0 })}`)
    const target = blocks + 3
    await until(() => blocks >= target)
  }
  unwatch()
} finally {
  await pool.close()
  await devnet.stop()
}
