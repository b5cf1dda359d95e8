import { type AnvilNode, type BlockTime, spawnAnvil } from './anvil/spawn-anvil.js'
import { type ChainFeed, openChainFeed } from './chain/chain-feed.js'
import { type ReorgOptions, type ReorgResult, reorgChain } from './chain/reorg.js'
import { type ControlServer, startControlServer } from './control/control-server.js'
import {
  type DevnetOptions,
  nextProviderIndex,
  type ProviderOptions,
  type ResolvedChain,
  type ResolvedProvider,
  resolveDevnetOptions,
  resolveProvider,
} from './devnet-options.js'
import { DevnetConfigError, DevnetLookupError } from './errors.js'
import type { DevnetManifest } from './manifest.js'
import { type SimulatedProvider, startSimulatedProvider } from './provider/simulated-provider.js'
import { hexToNumber, numberToHex, rpcCall } from './rpc/json-rpc.js'
import { deployLogEmitter } from './traffic/deploy-log-emitter.js'
import { createTrafficGenerator, type TrafficGenerator } from './traffic/traffic-generator.js'

/** One chain of a running devnet: its node, its traffic and mining controls. */
export interface DevnetChain {
  readonly name: string
  readonly chainId: number
  /** HTTP URL of the anvil node (no personality: the ground truth). */
  readonly nodeUrl: string
  readonly nodeWsUrl: string
  readonly blockTime: BlockTime
  /** Process id of the anvil node. */
  readonly pid: number
  /** Address of the log emitter contract. */
  readonly emitterAddress: string
  /** anvil's funded, unlocked dev accounts. */
  readonly accounts: readonly string[]
  /** The chain's background transactions; `tick()` sends one batch on demand. */
  readonly traffic: TrafficGenerator
  /** Calls the node directly. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>
  /** The node's head block number. */
  blockNumber(): Promise<number>
  /** Mines `blocks` blocks now (works in every mining mode) and returns the new head. @default 1 */
  mine(blocks?: number): Promise<number>
  /**
   * Reorganises the chain: the newest `depth` blocks are replaced by new ones at the same heights
   * (anvil's `anvil_reorg`), with the replaced blocks' transactions re-included by default. Every provider
   * then publishes the new branch (and `removed: true` copies of the logs it had published), as after a
   * real reorg. Calls on one chain run one at a time, and with `mine()` in order.
   *
   * @throws {DevnetConfigError} when `depth` is not an integer from 1 to 64 or is deeper than the chain
   * @throws {AnvilError} in the rare case a block arrives during the reorg itself (nothing is retried)
   * @example
   * const { replaced, blocks } = await devnet.chain('ethereum').reorg(3)
   */
  reorg(depth: number, options?: ReorgOptions): Promise<ReorgResult>
}

/** Where and how to add a provider at runtime. */
export interface AddProviderOptions extends ProviderOptions {
  /** Name of the chain to serve. */
  chain: string
}

/** A running devnet. */
export interface Devnet {
  /** A fresh snapshot of every chain and provider (reflects runtime changes). */
  readonly manifest: DevnetManifest
  /** Base URL of the control API, or undefined when it is off. */
  readonly controlUrl: string | undefined
  /**
   * A chain by name.
   *
   * @throws {DevnetLookupError} for an unknown chain
   */
  chain(name: string): DevnetChain
  chains(): DevnetChain[]
  /**
   * A provider by id.
   *
   * @throws {DevnetLookupError} for an unknown provider
   */
  provider(id: string): SimulatedProvider
  /** All providers, or those of one chain. */
  providers(chain?: string): SimulatedProvider[]
  /**
   * Starts one more provider in front of a chain's node. Defaults: the chain's next free NATO id and the
   * `steady` preset.
   *
   * @throws {DevnetLookupError} for an unknown chain or a taken id
   * @throws {DevnetConfigError} for invalid options
   */
  addProvider(options: AddProviderOptions): Promise<SimulatedProvider>
  /**
   * Stops a provider and forgets it (its clients see their connections close).
   *
   * @throws {DevnetLookupError} for an unknown provider
   */
  removeProvider(id: string): Promise<void>
  /** Stops everything: control API, traffic, providers, nodes. Idempotent. */
  stop(): Promise<void>
}

interface ChainRuntime extends DevnetChain {
  node: AnvilNode
  feed: ChainFeed
  /** Position in the options, so the manifest lists chains in the order they were asked for. */
  order: number
}

/**
 * Starts a local multi-chain, multi-provider network: one anvil node per chain, simulated providers in
 * front of each, a traffic generator and an HTTP control API — all on 127.0.0.1. Ready in well under
 * a second per chain; everything started is stopped again if any part fails to start.
 *
 * @throws {DevnetConfigError} for invalid options (the message names the path)
 * @throws {AnvilError} when anvil cannot be found or started
 * @example
 * const devnet = await startDevnet({ seed: 7 })
 * const alpha = devnet.provider('ethereum-alpha')
 * await alpha.set({ latencyMs: 250, errorRate: 0.2 })
 * await devnet.stop()
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const resolved = resolveDevnetOptions(options)
  const chains = new Map<string, ChainRuntime>()
  const providers = new Map<string, SimulatedProvider>()
  // providers start in parallel; this keeps the manifest in configuration order regardless
  const providerOrder = new Map<string, number>()
  let nextOrder = 0
  const nodes: AnvilNode[] = []
  let control: ControlServer | undefined
  let stopping: Promise<void> | undefined

  const stop = () => {
    stopping ??= (async () => {
      await control?.close()
      await Promise.allSettled([...chains.values()].map((chain) => chain.traffic.stop()))
      await Promise.allSettled([...providers.values()].map((provider) => provider.close()))
      await Promise.allSettled([...chains.values()].map((chain) => chain.feed.close()))
      await Promise.allSettled(nodes.map((node) => node.stop()))
    })()
    return stopping
  }

  const startProvider = async (chain: ChainRuntime, provider: ResolvedProvider) => {
    providerOrder.set(provider.id, nextOrder++)
    const started = await startSimulatedProvider({
      id: provider.id,
      chain: chain.name,
      chainId: chain.chainId,
      nodeUrl: chain.nodeUrl,
      feed: chain.feed,
      seed: resolved.seed,
      personality: provider.personality,
      port: provider.port,
      profile: provider.profile,
    })
    providers.set(provider.id, started)
    return started
  }

  const order = (provider: SimulatedProvider) => providerOrder.get(provider.id) ?? 0

  const startChain = async (config: ResolvedChain) => {
    const node = await spawnAnvil({
      chainId: config.chainId,
      blockTime: config.blockTime,
      port: config.nodePort,
      ...(config.hardfork ? { hardfork: config.hardfork } : {}),
      pruneHistory: config.pruneHistory,
      ...(resolved.anvilPath ? { anvilPath: resolved.anvilPath } : {}),
    })
    nodes.push(node)
    const feed = await openChainFeed(node)
    const accounts = await rpcCall<string[]>(node.url, 'eth_accounts')
    const emitter = await deployLogEmitter(node.url, accounts[0] as string)
    const emitterAddress = emitter.address
    // A reorg reads blocks and then replaces them: a mine() or another reorg in between would misplace it.
    let queue: Promise<unknown> = Promise.resolve()
    const serially = <T>(run: () => Promise<T>): Promise<T> => {
      const next = queue.then(run, run)
      queue = next.catch(() => {})
      return next
    }
    const traffic = createTrafficGenerator({
      nodeUrl: node.url,
      emitterAddress,
      accounts,
      ...(config.traffic ? { intervalMs: config.traffic.intervalMs } : {}),
    })
    const chain: ChainRuntime = {
      name: config.name,
      chainId: config.chainId,
      nodeUrl: node.url,
      nodeWsUrl: node.wsUrl,
      blockTime: config.blockTime,
      pid: node.pid,
      emitterAddress,
      accounts,
      traffic,
      node,
      feed,
      order: resolved.chains.indexOf(config),
      rpc: (method, params = []) => rpcCall(node.url, method, params),
      blockNumber: async () => hexToNumber(await rpcCall(node.url, 'eth_blockNumber')),
      mine(blocks = 1) {
        if (!Number.isInteger(blocks) || blocks < 1)
          return Promise.reject(new DevnetConfigError('mine: blocks: must be an integer >= 1', ['blocks']))
        return serially(async () => {
          await rpcCall(node.url, 'anvil_mine', [numberToHex(blocks)])
          return hexToNumber(await rpcCall(node.url, 'eth_blockNumber'))
        })
      },
      reorg: (depth, reorgOptions = {}) =>
        serially(() => reorgChain(node.url, depth, { ...reorgOptions, keepBlock: emitter.blockNumber })),
    }
    chains.set(config.name, chain)
    await settleAll(config.providers.map((provider) => startProvider(chain, provider)))
    if (config.traffic) traffic.start()
  }

  const devnet: Devnet = {
    get manifest(): DevnetManifest {
      return {
        version: 1,
        seed: resolved.seed,
        controlUrl: control?.url ?? null,
        chains: devnet.chains().map((chain) => ({
          name: chain.name,
          chainId: chain.chainId,
          nodeUrl: chain.nodeUrl,
          nodeWsUrl: chain.nodeWsUrl,
          nodePid: chain.pid,
          blockTime: chain.blockTime,
          emitterAddress: chain.emitterAddress,
        })),
        providers: devnet.providers().map((provider) => ({
          id: provider.id,
          chain: provider.chain,
          chainId: provider.chainId,
          httpUrl: provider.httpUrl,
          wsUrl: provider.wsUrl,
          profile: provider.profile ?? null,
          personality: provider.personality,
        })),
      }
    },
    get controlUrl() {
      return control?.url
    },
    chain(name) {
      const chain = chains.get(name)
      if (!chain)
        throw new DevnetLookupError(`unknown chain "${name}" (have: ${[...chains.keys()].join(', ')})`)
      return chain
    },
    chains: () => [...chains.values()].sort((a, b) => a.order - b.order),
    provider(id) {
      const provider = providers.get(id)
      if (!provider) throw new DevnetLookupError(`unknown provider "${id}"`)
      return provider
    },
    providers: (chain) =>
      [...providers.values()]
        .filter((provider) => chain === undefined || provider.chain === chain)
        .sort(
          (a, b) =>
            (chains.get(a.chain)?.order ?? 0) - (chains.get(b.chain)?.order ?? 0) || order(a) - order(b),
        ),
    async addProvider({ chain: chainName, ...providerOptions }) {
      const chain = devnet.chain(chainName) as ChainRuntime
      if (providerOptions.id !== undefined && providers.has(providerOptions.id)) {
        throw new DevnetLookupError(`provider id "${providerOptions.id}" is taken`)
      }
      const index = nextProviderIndex(chain.name, new Set(providers.keys()))
      const provider = resolveProvider(chain.name, providerOptions, index, [], 'steady')
      if (providers.has(provider.id)) throw new DevnetLookupError(`provider id "${provider.id}" is taken`)
      return startProvider(chain, provider)
    },
    async removeProvider(id) {
      const provider = devnet.provider(id)
      providers.delete(id)
      providerOrder.delete(id)
      await provider.close()
    },
    stop,
  }

  try {
    await settleAll(resolved.chains.map(startChain))
    if (resolved.control) control = await startControlServer(devnet, resolved.controlPort)
  } catch (error) {
    await stop()
    throw error
  }
  return devnet
}

/**
 * Like Promise.all, but waits for every promise before rejecting, so a failed start never races the
 * cleanup of parts that were still starting.
 */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises)
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failure) throw failure.reason
}
