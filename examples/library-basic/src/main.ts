import { createProviderPool } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'

// A local chain (a real anvil node) with three well-behaved providers in front of it. With real
// providers, give createProviderPool their URLs instead and leave the devnet out.
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
  // Each new block once, in order, from whichever provider's WebSocket delivers it first.
  let blocks = 0
  const heads = pool.subscribe('ethereum', 'newHeads', (block) => {
    blocks++
    console.log(`new block ${Number(block.number)}`)
  })

  // One provider dies: every call still gets an answer, from the others.
  await devnet.provider('ethereum-alpha').kill()
  console.log('ethereum-alpha is down')
  for (let call = 0; call < 6; call++) {
    const { result, providerId, attempts } = await pool.request({
      chain: 'ethereum',
      method: 'eth_blockNumber',
    })
    console.log(`eth_blockNumber ${Number(result)} from ${providerId} after ${attempts} attempt(s)`)
  }

  while (blocks < 3) await new Promise((resolve) => setTimeout(resolve, 50))
  heads.unsubscribe()
} finally {
  await pool.close()
  await devnet.stop()
}
