import { effect } from '@preact/signals'
import { api } from '../api/client.js'
import { leaderOf } from '../api/leaderboard.js'
import type { BlockEvent, RoutingDecision } from '../api/types.js'
import type { DashboardStore } from '../stream/dashboard-store.js'
import type { ObservedBlock, ObservedDecision, ScenarioContext } from './runner.js'

/**
 * The context scenarios run in on the dashboard: the demo API acts, the live store observes. Providers
 * and leader are read once, when the scenario starts.
 *
 * @example
 * startScenario('kill-leader', createLiveScenarioContext(store, 'ethereum'))
 */
export function createLiveScenarioContext(store: DashboardStore, chain: string): ScenarioContext {
  return {
    chain,
    providers: store.providers
      .peek()
      .filter((provider) => provider.chain === chain)
      .map((provider) => provider.id),
    leader: leaderOf(store.leaderboard.peek()[chain]),
    kill: (provider) => api.providerAction(provider, 'kill'),
    revive: (provider) => api.providerAction(provider, 'revive'),
    healthy: (provider) => api.providerAction(provider, 'healthy'),
    personality: (provider, patch) => api.personality(provider, patch),
    reorg: (depth) => api.reorg(chain, depth),
    nextDecision: (match, options) => nextDecision(store, chain, match, options),
    seeBlock: (match, options) => seeBlock(store, chain, match, options),
  }
}

/**
 * Resolves with the first routing decision on `chain` that arrives after the call and that `match`
 * accepts, or with `undefined` after `timeoutMs` or once `signal` aborts. Answers from the response
 * cache routed nothing (their provider is ChainPulse itself): scenarios watch routing, so they are
 * passed over.
 */
export function nextDecision(
  store: Pick<DashboardStore, 'routing'>,
  chain: string,
  match: (decision: ObservedDecision) => boolean,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RoutingDecision | undefined> {
  const { signal } = options
  if (signal?.aborted) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    // The feed is a window of the latest decisions, newest first: what it holds now is not "next".
    // Objects are compared by identity; the store keeps each decision's object while it is shown.
    const seen = new WeakSet<RoutingDecision>(store.routing.peek())
    let settled = false
    let dispose: (() => void) | undefined
    const finish = (decision: RoutingDecision | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
      dispose?.()
      resolve(decision)
    }
    const abort = () => finish(undefined)
    const timer = setTimeout(abort, options.timeoutMs)
    signal?.addEventListener('abort', abort)
    dispose = effect(() => {
      const fresh = store.routing.value.filter((decision) => !seen.has(decision))
      for (const decision of fresh) seen.add(decision)
      // Oldest first: the first decision that matches, not the newest of a batch.
      const found = fresh
        .reverse()
        .find((decision) => decision.chain === chain && !decision.cached && match(decision))
      if (found) finish(found)
    })
    // The effect ran once on creation, before `dispose` was assigned.
    if (settled) dispose()
  })
}

/**
 * Resolves with the first block of `chain` among the latest blocks (shown now or arriving later) that
 * `match` accepts, or with `undefined` after `timeoutMs` or once `signal` aborts.
 */
export function seeBlock(
  store: Pick<DashboardStore, 'blocks'>,
  chain: string,
  match: (block: ObservedBlock) => boolean,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<BlockEvent | undefined> {
  const { signal } = options
  if (signal?.aborted) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    let settled = false
    let dispose: (() => void) | undefined
    const finish = (block: BlockEvent | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
      dispose?.()
      resolve(block)
    }
    const abort = () => finish(undefined)
    const timer = setTimeout(abort, options.timeoutMs)
    signal?.addEventListener('abort', abort)
    // Unlike decisions, blocks are told apart by hash: one already shown is as good as a new one.
    dispose = effect(() => {
      const found = [...(store.blocks.value[chain] ?? [])].reverse().find(match)
      if (found) finish(found)
    })
    // The effect ran once on creation, before `dispose` was assigned.
    if (settled) dispose()
  })
}
