import { proxyError, type RpcErrorObject, rpcErrorCodes, truncate } from '../json-rpc/rpc-errors.js'
import type { ProxyPool } from '../proxy-pool.js'

/** Path segments after `/rpc/` (and `/ws/rpc/`) that have a meaning of their own, so they never name a strategy. */
export const reservedRpcSegments: readonly string[] = ['provider', 'key']

/** The path parameters of the JSON-RPC routes, HTTP and WebSocket alike. */
export interface RpcPathParams {
  chain: string
  strategy?: string
  providerId?: string
  apiKey?: string
}

/** Where a call goes, once its path has been checked against the pool. */
export interface RpcTarget {
  chain: string
  strategy?: string
  providerId?: string
}

/**
 * Checks a JSON-RPC route's path against the pool: the chain (name or id), the strategy and the pinned
 * provider must exist, and no segment may be empty. Returns the target, or the JSON-RPC error (answered
 * with HTTP 404) naming what is known. `prefix` (`/rpc` or `/ws/rpc`) only shapes the hints in messages.
 */
export function resolveRpcTarget(
  pool: ProxyPool,
  params: RpcPathParams,
  prefix: string,
): RpcTarget | RpcErrorObject {
  // `/rpc/ethereum/` and `/rpc//ethereum` reach the routes with an empty chain or strategy: saying the
  // path has a trailing or doubled "/" helps more than "unknown chain".
  if (params.chain === '' || params.strategy === '' || params.providerId === '') return emptySegment(prefix)
  if (params.strategy !== undefined && reservedRpcSegments.includes(params.strategy)) {
    return proxyError(
      rpcErrorCodes.resourceNotFound,
      `"${params.strategy}" is a reserved path segment, not a strategy; use ${prefix}/provider/:providerId/:chain or ${prefix}/key/:apiKey/...`,
      'RESERVED_SEGMENT',
    )
  }
  let chain: string
  try {
    chain = pool.resolveChain(params.chain)
  } catch {
    const known = pool.chains().map(({ name, chainId }) => ({ name, chainId }))
    return proxyError(
      rpcErrorCodes.resourceNotFound,
      `Unknown chain "${truncate(params.chain, 64)}". Known chains: ${known.map((c) => `${c.name} (${c.chainId})`).join(', ') || 'none'}`,
      'UNKNOWN_CHAIN',
      { knownChains: known },
    )
  }
  if (params.strategy !== undefined) {
    if (!pool.registry.has(params.strategy)) {
      const known = pool.registry.names()
      return proxyError(
        rpcErrorCodes.resourceNotFound,
        `Unknown strategy "${truncate(params.strategy, 64)}". Known strategies: ${known.join(', ')}`,
        'UNKNOWN_STRATEGY',
        { knownStrategies: known },
      )
    }
    return { chain, strategy: params.strategy }
  }
  if (params.providerId !== undefined) {
    const providers = pool.providers(chain).map((provider) => provider.id)
    if (!providers.includes(params.providerId)) {
      return proxyError(
        rpcErrorCodes.resourceNotFound,
        `Unknown provider "${truncate(params.providerId, 64)}" on chain "${chain}". Known providers: ${providers.join(', ') || 'none'}`,
        'UNKNOWN_PROVIDER',
        { knownProviders: providers },
      )
    }
    return { chain, providerId: params.providerId }
  }
  return { chain }
}

/** True when a path has an empty segment: a trailing or doubled "/". */
export function hasEmptySegment(path: string): boolean {
  return path.endsWith('/') || path.includes('//')
}

/** The 404 for a JSON-RPC path with an empty segment (see {@link hasEmptySegment}). */
export function emptySegment(prefix: string): RpcErrorObject {
  return proxyError(
    rpcErrorCodes.resourceNotFound,
    `Empty path segment: remove the trailing or doubled "/" (e.g. ${prefix}/ethereum, ${prefix}/fastest/ethereum)`,
    'NOT_FOUND',
  )
}
