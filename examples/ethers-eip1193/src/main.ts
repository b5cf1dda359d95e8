import { createEip1193Provider, createProviderPool } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'
import { BrowserProvider, formatEther, parseEther } from 'ethers'

// One local chain behind three providers. anvil's dev accounts are unlocked, so the node signs
// eth_sendTransaction itself: no private key in this example.
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

try {
  // createEip1193Provider(pool, chain) returns a standard EIP-1193 provider, which is what
  // BrowserProvider wraps. (ethers polls for receipts every 4 s by default, where local blocks come every
  // 250 ms; and it answers a repeated call from its own cache for 250 ms, which would show the balance
  // from before the transfer.)
  const provider = new BrowserProvider(createEip1193Provider(pool, 'ethereum'), undefined, {
    pollingInterval: 250,
    cacheTimeout: -1,
  })
  const network = await provider.getNetwork()
  console.log(`network chain id ${network.chainId}`)

  // A provider dies; reads and writes go on through the other two.
  await devnet.provider('ethereum-alpha').kill()
  console.log('ethereum-alpha is down')
  console.log(`block number ${await provider.getBlockNumber()}`)

  const [from, to] = devnet.chain('ethereum').accounts as [string, string]
  const before = await provider.getBalance(to)
  const signer = await provider.getSigner(from)
  const sent = await signer.sendTransaction({ to, value: parseEther('1.5') })
  const receipt = await sent.wait()
  const after = await provider.getBalance(to)
  console.log(`transfer mined in block ${receipt?.blockNumber}, status ${receipt?.status}`)
  console.log(`recipient balance +${formatEther(after - before)} ETH`)
} finally {
  await pool.close()
  await devnet.stop()
}
