import { createProviderPool } from '@chainpulse/core'
import { startDevnet } from '@chainpulse/devnet'

// One local chain behind three providers. The devnet's traffic sends a transaction to its log
// emitter every block, so the logs subscription has something to deliver.
const devnet = await startDevnet({
  chains: [{ name: 'ethereum', blockTimeMs: 250, providers: Array(3).fill({ preset: 'neutral' }) }],
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
  // Every provider's WebSocket stream is raced: the first copy of each block is delivered, the rest
  // are dropped, and a block missed while streams drop is fetched over HTTP before the next one.
  let blocks = 0
  let first = 0
  let last = 0
  const heads = pool.subscribe('ethereum', 'newHeads', (block) => {
    blocks++
    first ||= Number(block.number)
    last = Number(block.number)
    console.log(`block ${Number(block.number)} ${block.hash} parent ${block.parentHash}`)
  })
  const emitter = devnet.chain('ethereum').emitterAddress
  const logs = pool.subscribe('ethereum', { logs: { address: emitter } }, (log) =>
    console.log(`log ${Number(log.blockNumber)}:${Number(log.logIndex)} ${log.blockHash}`),
  )

  await until(() => blocks >= 4)
  await devnet.provider('ethereum-alpha').kill()
  console.log('ethereum-alpha is down')
  const afterKill = blocks + 4
  await until(() => blocks >= afterKill)
  // bravo's WebSocket connections are cut (as a flaky network would): its stream reconnects on its own
  devnet.provider('ethereum-bravo').dropConnections()
  console.log('ethereum-bravo dropped its connections')
  const afterDrop = blocks + 4
  await until(() => blocks >= afterDrop)

  heads.unsubscribe()
  logs.unsubscribe()

  // The ground truth, from the node itself (no simulated provider in between). The last block's logs
  // may still have been on their way when we unsubscribed, so it is left out.
  const range = { fromBlock: `0x${first.toString(16)}`, toBlock: `0x${(last - 1).toString(16)}` }
  const emitted = (await devnet
    .chain('ethereum')
    .rpc('eth_getLogs', [{ ...range, address: emitter }])) as unknown[]
  console.log(`the node has ${emitted.length} logs in blocks ${first} to ${last - 1}`)
} finally {
  await pool.close()
  await devnet.stop()
}
