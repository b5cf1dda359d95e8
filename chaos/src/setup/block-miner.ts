import type { DevnetProcess } from '@chainpulse/devnet/testing'

/** Blocks mined on a manually mined devnet chain, on the scenario's schedule. */
export interface BlockMiner {
  /** Stops the schedule (a block being mined still lands); `resume()` starts it again. */
  pause(): void
  resume(): void
  /** Mines one block now and resolves with the chain's block number after it. */
  mineOne(): Promise<number>
  /** Stops for good and resolves once the last block has landed. */
  stop(): Promise<void>
}

/**
 * Mines a block every `intervalMs` on `chain` (created with `blockTimeMs: 'manual'`), so a scenario
 * can hold the chain still: a real chain's block time is often longer than a server's restart, and
 * only a chain that does not move across a restart shows whether a resumed subscription is handed a
 * block its client already had.
 *
 * @example
 * const miner = startBlockMiner(devnet, 'ethereum', 800)
 * miner.pause()
 * const head = await miner.mineOne()
 */
export function startBlockMiner(devnet: DevnetProcess, chain: string, intervalMs: number): BlockMiner {
  const nodeUrl = devnet.manifest.chains.find((entry) => entry.name === chain)!.nodeUrl
  let timer: NodeJS.Timeout | undefined
  let landing: Promise<unknown> = Promise.resolve()
  let stopped = false
  const mine = () => {
    const next = landing.then(() => devnet.mine(chain, 1))
    landing = next.catch(() => {})
    return next
  }
  const schedule = () => {
    if (stopped || timer !== undefined) return
    timer = setInterval(() => void mine().catch(() => {}), intervalMs)
  }
  schedule()
  return {
    pause() {
      clearInterval(timer)
      timer = undefined
    },
    resume: schedule,
    async mineOne() {
      await mine()
      const response = await fetch(nodeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
      })
      return Number.parseInt(((await response.json()) as { result: string }).result, 16)
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      timer = undefined
      await landing
    },
  }
}
