import type { ProviderPool } from '@chainpulse/core'

/**
 * What the server needs from a provider pool: the part of core's `ProviderPool` the proxy uses
 * (HTTP and WebSocket).
 * Any `ProviderPool` from `createProviderPool` is one; naming the subset keeps the server's dependency
 * explicit and lets a test pass something smaller.
 */
export type ProxyPool = Pick<
  ProviderPool,
  'request' | 'resolveChain' | 'chains' | 'providers' | 'registry' | 'subscribe' | 'pubsub'
>
