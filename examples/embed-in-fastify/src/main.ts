import { createProviderPool } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'
import { chainPulsePlugin } from '@chainpulse/server'
import Fastify from 'fastify'

// The providers: a local chain behind three simulated providers. With real providers, pass their
// URLs to createProviderPool (or load a config file with loadConfigFile) and leave the devnet out.
const devnet = await startDevnet({
  chains: [
    { name: 'ethereum', blockTimeMs: 500, traffic: false, providers: Array(3).fill({ preset: 'neutral' }) },
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

// An existing app with routes of its own...
const app = Fastify({ logger: false })
app.get('/', async () => ({ service: 'my-app', rpc: '/chainpulse/rpc/ethereum' }))

// ...gets ChainPulse's routes under /chainpulse: the JSON-RPC proxy at /chainpulse/rpc/:chain and
// /chainpulse/ws/rpc/:chain, /chainpulse/healthz, the dashboard API, metrics and the dashboard. The
// plugin does not encapsulate its routes, so the prefix comes from the scope it is registered in.
await app.register(
  async (scope) => {
    await scope.register(chainPulsePlugin, { pool, config: { rateLimit: { max: 50, timeWindowMs: 1_000 } } })
  },
  { prefix: '/chainpulse' },
)

const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
console.log(`listening on ${url}`)
console.log(`try: curl -s ${url}/chainpulse/rpc/ethereum -H 'content-type: application/json' \\`)
console.log(`       -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}'`)

// Ctrl-C: stop taking requests, then release the pool and the devnet (the app does not own the pool).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close()
    await pool.close()
    await devnet.stop()
    console.log('stopped')
  })
}
