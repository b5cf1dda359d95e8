import {
  createCheapestStrategy,
  createFastestStrategy,
  createProviderPool,
  createStrategyRegistry,
} from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'
import { createArchiveFirstStrategy } from './archive-first.js'

// Three local providers: alpha answers at once, bravo after ~40 ms, and charlie, which plays the
// archive node, after ~80 ms.
const devnet = await startDevnet({
  chains: [
    {
      name: 'ethereum',
      blockTimeMs: 500,
      traffic: false,
      providers: [
        { preset: 'neutral' },
        { preset: 'neutral', personality: { latencyMs: 40 } },
        { preset: 'neutral', personality: { latencyMs: 80 } },
      ],
    },
  ],
})

const registry = createStrategyRegistry()
registry.register(createFastestStrategy({ minSamples: 20 }), { replace: true }) // retune a built-in
registry.register(
  createCheapestStrategy({ name: 'cheapest-strict', slo: { maxP95Ms: 300, maxErrorRate: 0.01 } }),
)
registry.register(createArchiveFirstStrategy(['ethereum-charlie']))
console.log(`strategies: ${registry.names().join(', ')}`)

const pool = createProviderPool({
  chains: [{ name: 'ethereum', chainId: 1 }],
  providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
    id,
    chain,
    httpUrl,
    wsUrl,
  })),
  registry,
  strategy: 'archive-first',
  // Hedged reads (on by default) would race the archive node's slower answer to a heavy call against
  // the next provider; here heavy calls are the archive node's, with the others only as failover.
  hedge: false,
})

/** Makes `times` calls of `method` and prints how many each provider served. */
async function servedBy(method: string, params: unknown[], times: number) {
  const counts = new Map<string, number>()
  for (let call = 0; call < times; call++) {
    const { providerId } = await pool.request({ chain: 'ethereum', method, params })
    counts.set(providerId, (counts.get(providerId) ?? 0) + 1)
  }
  const summary = [...counts].map(([providerId, count]) => `${providerId} ${count}`).join(', ')
  console.log(`${method} x${times}: ${summary}`)
}

try {
  // Heavy calls go to the archive node although it is the slowest...
  await servedBy('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }], 5)
  // ...every other call to the fastest provider, once `fastest` has measured each of them.
  await servedBy('eth_blockNumber', [], 30)
} finally {
  await pool.close()
  await devnet.stop()
}
