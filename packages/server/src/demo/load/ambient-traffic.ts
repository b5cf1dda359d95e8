import type { ChainPulseTopics, Clock, ProviderPool, PubSub } from '@chainpulse/core'
import {
  createLoadGenerator,
  type LoadGeneratorOptions,
  type LoadMethod,
  type LoadStatus,
} from './load-generator.js'
import { createRoutingSampler, type RoutingSamplerStatus } from './routing-sampler.js'

// The first dev account of anvil (and hardhat): the devnet funds it and sends transactions from it, so
// its balance and nonce change as a real user's do.
const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'

/**
 * What the ambient clients call: the reads a dapp front end and a wallet poll for, all cheap and all
 * served by any node. Nothing that signs, mines or needs a debug namespace.
 */
export const ambientMix: readonly LoadMethod[] = [
  { method: 'eth_blockNumber', weight: 4 },
  { method: 'eth_getBalance', params: [DEV_ACCOUNT, 'latest'], weight: 2 },
  { method: 'eth_getBlockByNumber', params: ['latest', false], weight: 2 },
  { method: 'eth_getTransactionCount', params: [DEV_ACCOUNT, 'latest'], weight: 1 },
  { method: 'eth_gasPrice', weight: 1 },
  { method: 'eth_feeHistory', params: ['0x4', 'latest', [25, 75]], weight: 1 },
  { method: 'eth_chainId', weight: 1 },
]

/** Options of {@link createAmbientTraffic}. */
export interface AmbientTrafficOptions {
  /** The pool the routing sampler calls directly; its `pubsub` gets the clients' `connections` events. */
  pool: Pick<ProviderPool, 'request'> & { pubsub: Pick<PubSub<ChainPulseTopics>, 'publish'> }
  /** The server's own origin (`http://127.0.0.1:<port>`): the clients call its `/rpc` and `/ws/rpc`. */
  baseUrl: string
  /** Chains with traffic; each gets one HTTP client and one WebSocket client. */
  chains: string[]
  /** Requests per second of all simulated clients together. @default 4 */
  ratePerSecond?: number
  /** Requests per second of the routing sampler (through the pool, no client). @default 1 */
  samplerRatePerSecond?: number
  /** Extra HTTP headers of the clients, e.g. `x-api-key`. */
  headers?: Record<string, string>
  clock?: Clock
  /** @default globalThis.fetch */
  fetch?: LoadGeneratorOptions['fetch']
  /** @default the `ws` package's WebSocket */
  WebSocket?: LoadGeneratorOptions['WebSocket']
}

/** Progress of the ambient traffic: its simulated clients and its routing sampler. */
export interface AmbientStatus {
  running: boolean
  clients: LoadStatus
  sampler: RoutingSamplerStatus
}

/** Running ambient traffic. */
export interface AmbientTraffic {
  status(): AmbientStatus
  /** Stops the clients (closing their sockets) and the sampler. Idempotent. */
  stop(): void
}

/**
 * Starts the demo's ambient traffic: gentle, endless, realistic load so the dashboard is alive the moment
 * it opens. Per chain, one simulated client over HTTP and one over WebSocket that also subscribes to
 * `newHeads`, together sending `ratePerSecond` reads of {@link ambientMix} through the proxy (so they show
 * as client connections, and the proxy path is what routes them), plus the routing sampler's
 * `eth_blockNumber` stream straight through the pool. It is the Live Test tab's load generator and
 * sampler with a fixed, low setting, not a second traffic engine.
 *
 * @example
 * const ambient = createAmbientTraffic({ pool, baseUrl: 'http://127.0.0.1:4000', chains: ['ethereum'] })
 * // later
 * ambient.stop()
 */
export function createAmbientTraffic(options: AmbientTrafficOptions): AmbientTraffic {
  const clock = options.clock ? { clock: options.clock } : {}
  const chains = options.chains
  // Client i calls chains[i % n]; the first n are HTTP and the next n WebSocket, so every chain gets one
  // of each (transports alternating per client would pair each chain with one transport when n is even).
  const transports = [...chains.map(() => 'http' as const), ...chains.map(() => 'ws' as const)]
  const clients = createLoadGenerator({
    name: 'ambient',
    baseUrl: options.baseUrl,
    chains,
    ratePerSecond: options.ratePerSecond ?? 4,
    clients: transports.length,
    transports,
    methods: [...ambientMix],
    subscribe: ['newHeads'],
    pubsub: options.pool.pubsub,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...clock,
  })
  const sampler = createRoutingSampler({
    pool: options.pool,
    chains,
    ratePerSecond: options.samplerRatePerSecond ?? 1,
    ...clock,
  })
  let running = true
  return {
    status: () => ({ running, clients: clients.status(), sampler: sampler.status() }),
    stop() {
      running = false
      clients.stop()
      sampler.stop()
    },
  }
}
