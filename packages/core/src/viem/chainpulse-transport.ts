import { createTransport, RpcRequestError, type Transport } from 'viem'
import { Eip1193ProviderError, isUpstreamRpcError, toEip1193Error } from '../eip1193/eip1193.js'
import { ConfigError } from '../errors/errors.js'
import type { PoolSubscription, ProviderPool } from '../provider-pool/types.js'
import type { LogFilter } from '../subscriptions/log-filter.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'

/** Options of {@link chainpulse}. */
export interface ChainPulseTransportConfig {
  /** @default 'chainpulse' */
  key?: string
  /** @default 'ChainPulse' */
  name?: string
  /**
   * viem's own retries, on top of the pool's failover across providers. The pool already retries on
   * every other provider, so viem retrying too mostly multiplies load. @default 0
   */
  retryCount?: number
  /** Base delay of viem's retries (ms). @default 150 */
  retryDelay?: number
  /** Routing strategy for this client's calls. @default the chain's strategy in the pool */
  strategy?: string
  /** Send every call to this provider only (no failover). */
  providerId?: string
  /** Per-attempt timeout (ms). @default the pool's `requestTimeoutMs` */
  timeoutMs?: number
}

/** Parameters viem passes to a socket transport's `subscribe`. */
export interface ChainPulseSubscribeParameters {
  params: readonly ['newHeads'] | readonly ['logs', { address?: string | string[]; topics?: unknown[] }]
  /** Receives `{ subscription, result }` for each block or log. */
  onData: (data: { subscription: string; result: unknown }) => void
  onError?: ((error: unknown) => void) | undefined
}

/** What viem gets back from `subscribe`. */
export interface ChainPulseSubscribeResult {
  subscriptionId: string
  unsubscribe(): Promise<{ jsonrpc: '2.0'; id: number; result: boolean }>
}

/** Extra members of the transport, readable on `client.transport`. */
export interface ChainPulseTransportValue {
  /** The pool behind the transport (for status, metrics, strategy changes). */
  pool: ProviderPool
  /** The pool's name of the chain. */
  chain: string
  /** What viem's watch actions call instead of polling: the pool's exactly-once subscriptions. */
  subscribe(parameters: ChainPulseSubscribeParameters): Promise<ChainPulseSubscribeResult>
}

/**
 * A viem transport over a ChainPulse pool. Its type is `'webSocket'` because that is how viem decides
 * to call `subscribe` instead of polling in `watchBlocks`, `watchBlockNumber`, `watchEvent` and
 * `watchContractEvent`; nothing else in viem reads the type.
 */
export type ChainPulseTransport = Transport<'webSocket', ChainPulseTransportValue>

const nonEmpty = v.string().check(v.minLength(1))
const configSchema = v.strictObject({
  key: v._default(nonEmpty, 'chainpulse'),
  name: v._default(nonEmpty, 'ChainPulse'),
  retryCount: v._default(v.number().check(v.int(), v.nonnegative()), 0),
  retryDelay: v._default(v.number().check(v.nonnegative()), 150),
  strategy: v.optional(nonEmpty),
  providerId: v.optional(nonEmpty),
  timeoutMs: v.optional(v.number().check(v.positive())),
})

/**
 * Creates a viem `Transport` that sends every call of a viem client through one chain of a ChainPulse
 * pool (routing, failover, hedging) and serves viem's watch actions from the pool's subscriptions:
 * each block or log exactly once, in order, gaps back-filled, no polling. `watchPendingTransactions`
 * is not supported by the pool; pass `poll: true` to it. Pass `poll: true` to any watch action to poll
 * instead. The client's `chain`, when given, must have the pool chain's id.
 *
 * Errors: an upstream's JSON-RPC error becomes viem's `RpcRequestError` (as over HTTP, so reverts decode);
 * other pool errors become the EIP-1193 errors of `toEip1193Error`, which viem turns into its own
 * (`ChainDisconnectedError` for 4901, `InternalRpcError` for -32603, …) with the ChainPulse error as cause.
 *
 * @throws {UnknownChainError} when the pool has no such chain.
 * @throws {ConfigError} when the config is invalid, or (when the client is created) its chain has another id.
 * @example
 * import { createPublicClient } from 'viem'
 * import { chainpulse } from '@chainpulse/core/viem'
 *
 * const client = createPublicClient({ transport: chainpulse(pool, 'ethereum') })
 * const unwatch = client.watchBlocks({ onBlock: (block) => console.log(block.number) })
 */
export function chainpulse(
  pool: ProviderPool,
  chain: string | number,
  config: ChainPulseTransportConfig = {},
): ChainPulseTransport {
  const parsed = parseOptions(configSchema, config, 'chainpulse transport config')
  const chainName = pool.resolveChain(chain)
  const chainId = pool.chains().find((each) => each.name === chainName)!.chainId
  const url = `chainpulse://${chainName}`

  async function request(
    { method, params }: { method: string; params?: unknown },
    options?: { signal?: AbortSignal | undefined },
  ): Promise<unknown> {
    try {
      const { result } = await pool.request(
        { chain: chainName, method, params: params ?? [] },
        {
          ...(parsed.strategy ? { strategy: parsed.strategy } : {}),
          ...(parsed.providerId ? { providerId: parsed.providerId } : {}),
          ...(parsed.timeoutMs ? { timeoutMs: parsed.timeoutMs } : {}),
          ...(options?.signal ? { signal: options.signal } : {}),
        },
      )
      return result
    } catch (error) {
      // Shaped as viem's HTTP transport shapes a JSON-RPC error, so viem decodes reverts the same way;
      // the ChainPulse error (with its routing) stays reachable as the cause of the cause.
      if (isUpstreamRpcError(error))
        throw new RpcRequestError({
          body: { method, params },
          error: new Eip1193ProviderError(error.rpcError, { cause: error }),
          url,
        })
      throw toEip1193Error(error)
    }
  }

  async function subscribe({
    params,
    onData,
  }: ChainPulseSubscribeParameters): Promise<ChainPulseSubscribeResult> {
    let subscription: PoolSubscription | undefined
    const deliver = (result: unknown) => {
      if (subscription) onData({ subscription: subscription.id, result })
    }
    if (params[0] === 'newHeads') {
      subscription = pool.subscribe(chainName, 'newHeads', deliver)
    } else if (params[0] === 'logs') {
      subscription = pool.subscribe(chainName, { logs: toLogFilter(params[1]) }, deliver)
    } else {
      throw new RpcRequestError({
        body: { method: 'eth_subscribe', params },
        error: {
          code: -32602,
          message: `ChainPulse subscriptions support newHeads and logs, not ${JSON.stringify(params[0])}; pass \`poll: true\``,
        },
        url,
      })
    }
    const active = subscription
    return {
      subscriptionId: active.id,
      async unsubscribe() {
        active.unsubscribe()
        return { jsonrpc: '2.0', id: 0, result: true }
      },
    }
  }

  return ({ chain: clientChain, retryCount }) => {
    if (clientChain && clientChain.id !== chainId)
      throw new ConfigError('chainpulse transport', [
        {
          path: 'chain',
          message: `the client's chain has id ${clientChain.id}, the pool's "${chainName}" has ${chainId}`,
        },
      ])
    return createTransport(
      {
        key: parsed.key,
        name: parsed.name,
        request: request as Parameters<typeof createTransport>[0]['request'],
        retryCount: config.retryCount ?? retryCount ?? parsed.retryCount,
        retryDelay: parsed.retryDelay,
        type: 'webSocket',
      },
      { pool, chain: chainName, subscribe } satisfies ChainPulseTransportValue,
    )
  }
}

/** viem sends `{ address: undefined, topics: [] }` and `null` topic wildcards; the pool wants them absent. */
function toLogFilter(filter: { address?: string | string[]; topics?: unknown[] } | undefined): LogFilter {
  const topics = (filter?.topics ?? []) as (string | string[] | null)[]
  return {
    ...(filter?.address === undefined ? {} : { address: filter.address }),
    ...(topics.length ? { topics } : {}),
  }
}
