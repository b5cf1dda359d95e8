import { startDevnet } from '@chainpulse/devnet'

export async function main() {
  // one chain, mined on demand, with two providers in front of its node
  const devnet = await startDevnet({
    seed: 42,
    chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: 2 }],
  })
  try {
    const alpha = devnet.provider('ethereum-alpha')
    const call = (method: string) =>
      fetch(alpha.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
      })

    // the leader starts rate-limiting every request
    await alpha.set({ errorRate: 1, errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 } })
    const limited = await call('eth_blockNumber')

    // ...then trails the head by 3 blocks instead
    await alpha.set({ errorRate: 0, lagBlocks: 3 })
    const head = await devnet.chain('ethereum').mine(5)
    const lagged = (await (await call('eth_blockNumber')).json()) as { result: string }

    // ...then goes down: connections are refused until revive()
    await alpha.kill()
    const refused = await call('eth_chainId').then(
      () => false,
      () => true,
    )
    await alpha.revive()

    return {
      providers: devnet.manifest.providers.map((provider) => provider.id),
      status: limited.status,
      retryAfter: limited.headers.get('retry-after'),
      head,
      laggedHead: Number.parseInt(lagged.result, 16),
      refused,
    }
  } finally {
    await devnet.stop()
  }
}
