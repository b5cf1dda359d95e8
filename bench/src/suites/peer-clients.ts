/**
 * The peers ChainPulse is compared against (fault-scenario, peer-tails): viem's ranked fallback and ethers'
 * FallbackProvider over the same providers, each counting the HTTP requests it sends with its own hooks.
 * Not a suite itself.
 */
import { FallbackProvider, FetchRequest, JsonRpcProvider, Network } from 'ethers'
import { createPublicClient, fallback, http } from 'viem'
import { formatNumber } from '../suite.js'
import { rpcBody } from './pool-bench-kit.js'

/** A provider as a comparison lists it to every client, in the same order for all of them. */
export interface BenchProvider {
  id: string
  /** What the provider stands for in the scenario ("slow", "best", …), for notes. */
  role: string
  httpUrl: string
  wsUrl: string
}

/** A client under test; `read` does one eth_getBalance and checks the answer. */
export interface BenchClient {
  read(address: `0x${string}`): Promise<void>
  /** HTTP requests the client has sent to each provider (by list index), counted by its own hooks. */
  readonly sent: number[]
  close(): Promise<void>
  /** Extra facts for the notes (e.g. what the client says about its providers). */
  describe?(): string
}

export const viemFallbackName = 'viem 2.57 fallback([http ×3], { rank: true })'
export const ethersFallbackName = 'ethers 6 FallbackProvider([JsonRpcProvider ×3], quorum 1)'

/** Adds one request to provider `index`'s count. */
export function countCall(sent: number[], index: number): void {
  sent[index] = (sent[index] ?? 0) + 1
}

/** Every balance read asks for an address nobody funded. */
export function expectZero(balance: unknown): void {
  if (balance !== 0n && balance !== '0x0') throw new Error(`unexpected balance ${String(balance)}`)
}

/**
 * The reference row's client: every read POSTed to provider `index` of `providerCount` alone, with no
 * routing, failover or retry.
 */
export function createPlainFetch(url: string, index: number, providerCount: number): BenchClient {
  const sent = Array.from({ length: providerCount }, () => 0)
  let id = 1
  return {
    sent,
    async read(address) {
      countCall(sent, index)
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: rpcBody(id++, 'eth_getBalance', [address, 'latest']),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      expectZero(((await response.json()) as { result?: unknown }).result)
    },
    async close() {},
  }
}

/** viem's `fallback` of one `http()` per provider with `rank: true` and its defaults. */
export function createViemFallback(providers: readonly BenchProvider[]): BenchClient {
  let stopped = false
  const sent = providers.map(() => 0)
  const client = createPublicClient({
    transport: fallback(
      providers.map(({ httpUrl }, index) =>
        http(httpUrl, {
          onFetchRequest: () => {
            countCall(sent, index)
          },
        }),
      ),
      {
        // The default ranking ping (net_listening), spelled out only so the ranker can be parked when
        // the subject ends: viem's ranking loop has no stop, and would keep the process alive.
        rank: {
          ping: ({ transport }) =>
            stopped ? new Promise<never>(() => {}) : transport.request({ method: 'net_listening' }),
        },
      },
    ),
  })
  return {
    sent,
    async read(address) {
      expectZero(await client.getBalance({ address }))
    },
    async close() {
      stopped = true
    },
  }
}

/** ethers' `FallbackProvider` over one `JsonRpcProvider` per provider: quorum 1, equal priority and weight. */
export function createEthersFallback(providers: readonly BenchProvider[]): BenchClient {
  const network = Network.from(1)
  const sent = providers.map(() => 0)
  const configs = providers.map(({ httpUrl }, index) => {
    const connection = new FetchRequest(httpUrl)
    connection.preflightFunc = async (request) => {
      countCall(sent, index)
      return request
    }
    return {
      // staticNetwork skips chain-id detection; batchMaxCount 1 sends each call on its own, as the
      // other clients do (ethers' default batching would add up to 10 ms of stall and fail whole batches).
      provider: new JsonRpcProvider(connection, network, { staticNetwork: network, batchMaxCount: 1 }),
      priority: 1,
      weight: 1,
      stallTimeout: 400,
    }
  })
  const provider = new FallbackProvider(configs, network, { quorum: 1 })
  return {
    sent,
    async read(address) {
      expectZero(await provider.getBalance(address))
    },
    async close() {
      provider.destroy()
    },
    describe: () => {
      const counters = provider.providerConfigs
      const dropped = counters
        .map((config, index) => (config.requests === 0 ? providers[index]!.role : undefined))
        .filter((name) => name !== undefined)
      return `ethers' own counters (warm-up included): ${counters
        .map(
          (config, index) =>
            `${providers[index]!.role} ${formatNumber(config.requests)} requests / ${formatNumber(config.errorResponses)} errors`,
        )
        .join(', ')}${
        dropped.length
          ? `. ethers never used ${dropped.join(', ')}: a provider whose first getBlockNumber (its initial sync) fails is skipped for good`
          : ''
      }`
    },
  }
}
