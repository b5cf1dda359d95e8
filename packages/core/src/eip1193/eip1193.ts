import { ChainPulseError } from '../errors/base-error.js'
import { isErrorCode } from '../errors/codes.js'
import type { AllProvidersFailedError, UpstreamRpcError } from '../errors/errors.js'
import type { PoolSubscription, ProviderPool } from '../provider-pool/types.js'
import type { LogFilter } from '../subscriptions/log-filter.js'
import type { JsonRpcError } from '../transport/json-rpc.js'
import { validate } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { createListeners } from './listeners.js'

/** What {@link Eip1193Provider.request} takes (EIP-1193 `RequestArguments`). */
export interface Eip1193RequestArguments {
  readonly method: string
  readonly params?: readonly unknown[] | object
}

/** Payload of the `connect` event. */
export interface Eip1193ConnectInfo {
  /** The chain id as a hex string, e.g. `0x1`. */
  chainId: string
}

/** Payload of the `message` event: one `eth_subscription` notification. */
export interface Eip1193Message {
  type: 'eth_subscription'
  data: { subscription: string; result: unknown }
}

/** Events of an {@link Eip1193Provider} and their listener arguments. */
export interface Eip1193Events {
  /** Once, on the microtask queue after creation, unless disconnected first. */
  connect: [info: Eip1193ConnectInfo]
  /** Once, when {@link Eip1193Provider.disconnect} is called (code 4900). */
  disconnect: [error: Eip1193ProviderError]
  /** Never emitted: the provider is bound to one chain. Declared for EIP-1193 compatibility. */
  chainChanged: [chainId: string]
  /** Never emitted: the pool has no accounts. Declared for EIP-1193 compatibility. */
  accountsChanged: [accounts: string[]]
  /** Each event of a subscription made with `eth_subscribe`. */
  message: [message: Eip1193Message]
}

/** An event name of {@link Eip1193Events}. */
export type Eip1193EventName = keyof Eip1193Events

/** A listener of event `E`. */
export type Eip1193Listener<E extends Eip1193EventName> = (...args: Eip1193Events[E]) => void

/** An EIP-1193 provider over one chain of a {@link ProviderPool}. */
export interface Eip1193Provider {
  /** The chain id, hex. */
  readonly chainId: string
  /**
   * Sends a call through the pool and resolves with the upstream's `result`.
   * @throws {Eip1193ProviderError} carrying a JSON-RPC/EIP-1193 `code`, `message` and `data` (see {@link toEip1193Error}).
   */
  request<T = unknown>(args: Eip1193RequestArguments): Promise<T>
  on<E extends Eip1193EventName>(event: E, listener: Eip1193Listener<E>): this
  once<E extends Eip1193EventName>(event: E, listener: Eip1193Listener<E>): this
  removeListener<E extends Eip1193EventName>(event: E, listener: Eip1193Listener<E>): this
  /** Alias of `removeListener`. */
  off<E extends Eip1193EventName>(event: E, listener: Eip1193Listener<E>): this
  /** Ends every subscription, emits `disconnect` and rejects later requests with code 4900. Idempotent. */
  disconnect(): void
}

/**
 * An error as EIP-1193 providers throw them: an `Error` with a numeric JSON-RPC / EIP-1193 `code` and
 * optional `data`. Not a `ChainPulseError` on purpose: its `code` is the wire protocol's number; the
 * ChainPulse error it was made from, if any, is its `cause` (and its code is in `data.code`).
 */
export class Eip1193ProviderError extends Error {
  override name = 'Eip1193ProviderError'
  readonly code: number
  readonly data: unknown

  constructor(error: JsonRpcError, options?: { cause?: unknown }) {
    super(error.message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = error.code
    this.data = error.data
  }

  /** The JSON-RPC error object (`{ code, message, data? }`), e.g. for a proxy's response. */
  toJSON(): JsonRpcError {
    return { code: this.code, message: this.message, ...(this.data === undefined ? {} : { data: this.data }) }
  }
}

/** EIP-1193: the provider is disconnected from all chains. */
const DISCONNECTED = 4900
/** EIP-1193: the provider is not connected to the requested chain. */
const CHAIN_DISCONNECTED = 4901
/** EIP-1474: limit exceeded. */
const LIMIT_EXCEEDED = -32005
const INVALID_PARAMS = -32602
const INTERNAL_ERROR = -32603

/**
 * Maps any error of a pool call to the EIP-1193 / JSON-RPC error a dapp library understands:
 *
 * | error | code |
 * |---|---|
 * | `UpstreamRpcError` (a revert, invalid params, …) | the upstream's own `code`, `message` and `data`, unchanged |
 * | `PoolClosedError` | 4900 (disconnected) |
 * | `NoProviderAvailableError`, `UnknownChainError` | 4901 (chain disconnected) |
 * | `AllProvidersFailedError` of rate limits only, `RateLimitedError` | -32005 (limit exceeded) |
 * | any other error | -32603 (internal error) |
 *
 * For ChainPulse errors other than `UpstreamRpcError`, the message is the error's `shortMessage` and
 * `data` is `{ code, details? }` with the ChainPulse code (`NO_PROVIDER_AVAILABLE`, …). The original
 * error is the `cause`. An {@link Eip1193ProviderError} passes through.
 *
 * @example
 * try { await pool.request({ chain: 'ethereum', method: 'eth_call', params }) }
 * catch (error) { reply({ jsonrpc: '2.0', id, error: toEip1193Error(error).toJSON() }) }
 */
export function toEip1193Error(error: unknown): Eip1193ProviderError {
  if (error instanceof Eip1193ProviderError) return error
  if (!isChainPulseError(error)) {
    const message = error instanceof Error ? error.message : String(error)
    return new Eip1193ProviderError(
      { code: INTERNAL_ERROR, message: `Internal error: ${message}` },
      { cause: error },
    )
  }
  if (isUpstreamRpcError(error)) return new Eip1193ProviderError(error.rpcError, { cause: error })
  const data = { code: error.code, ...(error.details === undefined ? {} : { details: error.details }) }
  return new Eip1193ProviderError(
    { code: eip1193Code(error), message: error.shortMessage, data },
    { cause: error },
  )
}

// Errors are recognised by their stable `code`, not `instanceof`: a CommonJS build bundles each subpath
// entry (`@chainpulse/core/viem`) with its own copy of the error classes, so a pool loaded from the main
// entry throws instances of other classes.
function isChainPulseError(error: unknown): error is ChainPulseError {
  if (error instanceof ChainPulseError) return true
  if (!(error instanceof Error)) return false
  const { code, shortMessage } = error as Partial<ChainPulseError>
  return isErrorCode(code) && typeof shortMessage === 'string'
}

/** Whether `error` is an `UpstreamRpcError` (see {@link isChainPulseError} for why not `instanceof`). */
export function isUpstreamRpcError(error: unknown): error is UpstreamRpcError {
  return isChainPulseError(error) && error.code === 'UPSTREAM_RPC_ERROR' && 'rpcError' in error
}

function eip1193Code(error: ChainPulseError): number {
  switch (error.code) {
    case 'POOL_CLOSED':
      return DISCONNECTED
    case 'NO_PROVIDER_AVAILABLE':
    case 'UNKNOWN_CHAIN':
      return CHAIN_DISCONNECTED
    case 'RATE_LIMITED':
      return LIMIT_EXCEEDED
    case 'ALL_PROVIDERS_FAILED':
      return (error as AllProvidersFailedError).failures.every(isRateLimit) ? LIMIT_EXCEEDED : INTERNAL_ERROR
    default:
      return INTERNAL_ERROR
  }
}

function isRateLimit(error: ChainPulseError): boolean {
  return error.code === 'RATE_LIMITED' || (isUpstreamRpcError(error) && error.errorClass === 'rate-limit')
}

const logFilterSchema = v.looseObject({
  address: v.optional(v.union([v.string(), v.array(v.string())])),
  topics: v.optional(v.array(v.union([v.string(), v.array(v.string()), v.null()]))),
})

/**
 * Creates an EIP-1193 provider over one chain of `pool`, for libraries that take one (ethers'
 * `BrowserProvider`, viem's `custom()`, web3.js). Calls go through `pool.request` with its routing and
 * failover; `eth_subscribe` (`newHeads`, `logs`) uses the pool's exactly-once subscriptions and emits
 * `message` events; `eth_unsubscribe` resolves `true`, or `false` for an unknown id. Errors are
 * mapped by {@link toEip1193Error}.
 *
 * @throws {UnknownChainError} when the pool has no such chain.
 * @example
 * const provider = createEip1193Provider(pool, 'ethereum')
 * provider.on('message', ({ data }) => console.log(data.result))
 * const id = await provider.request({ method: 'eth_subscribe', params: ['newHeads'] })
 * const balance = await provider.request({ method: 'eth_getBalance', params: [address, 'latest'] })
 */
export function createEip1193Provider(pool: ProviderPool, chain: string | number): Eip1193Provider {
  const chainName = pool.resolveChain(chain)
  const chainId = `0x${pool
    .chains()
    .find((each) => each.name === chainName)!
    .chainId.toString(16)}`
  const emitter = createListeners<Eip1193Events>()
  const subscriptions = new Map<string, PoolSubscription>()
  let disconnected = false

  const disconnectedError = () =>
    new Eip1193ProviderError({ code: DISCONNECTED, message: 'The provider is disconnected.' })

  function subscribe(params: readonly unknown[]): string {
    const [kind, filter] = params
    let subscription: PoolSubscription | undefined
    const emit = (result: unknown) => {
      if (subscription)
        emitter.emit('message', { type: 'eth_subscription', data: { subscription: subscription.id, result } })
    }
    if (kind === 'newHeads') {
      subscription = pool.subscribe(chainName, 'newHeads', emit)
    } else if (kind === 'logs') {
      const parsed = validate(logFilterSchema, filter ?? {})
      if (!parsed.success)
        throw new Eip1193ProviderError({
          code: INVALID_PARAMS,
          message: 'invalid argument 1: expected a log filter',
        })
      const { address, topics } = parsed.data
      const logFilter: LogFilter = {
        ...(address === undefined ? {} : { address }),
        ...(topics ? { topics } : {}),
      }
      subscription = pool.subscribe(chainName, { logs: logFilter }, emit)
    } else {
      throw new Eip1193ProviderError({
        code: INVALID_PARAMS,
        message: `invalid argument 0: unsupported subscription ${JSON.stringify(kind)} (supported: newHeads, logs)`,
      })
    }
    subscriptions.set(subscription.id, subscription)
    return subscription.id
  }

  function unsubscribe(id: unknown): boolean {
    const subscription = typeof id === 'string' ? subscriptions.get(id) : undefined
    if (!subscription) return false
    subscription.unsubscribe()
    subscriptions.delete(subscription.id)
    return true
  }

  const provider: Eip1193Provider = {
    chainId,
    async request<T>({ method, params }: Eip1193RequestArguments): Promise<T> {
      if (disconnected) throw disconnectedError()
      try {
        const list = Array.isArray(params) ? params : []
        if (method === 'eth_subscribe') return subscribe(list) as T
        if (method === 'eth_unsubscribe') return unsubscribe(list[0]) as T
        return (await pool.request<T>({ chain: chainName, method, params: params ?? [] })).result
      } catch (error) {
        throw toEip1193Error(error)
      }
    },
    on(event, listener) {
      emitter.on(event, listener)
      return provider
    },
    once(event, listener) {
      emitter.on(event, listener, true)
      return provider
    },
    removeListener(event, listener) {
      emitter.off(event, listener)
      return provider
    },
    off(event, listener) {
      return provider.removeListener(event, listener)
    },
    disconnect() {
      if (disconnected) return
      disconnected = true
      for (const subscription of subscriptions.values()) subscription.unsubscribe()
      subscriptions.clear()
      emitter.emit('disconnect', disconnectedError())
    },
  }
  // EIP-1193 wants `connect` once the provider can serve; deferring lets the caller attach listeners first.
  queueMicrotask(() => {
    if (!disconnected) emitter.emit('connect', { chainId })
  })
  return provider
}
