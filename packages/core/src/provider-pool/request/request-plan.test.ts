import { describe, expect, it } from 'vitest'
import { createBenchmarkStore } from '../../benchmark-store/benchmark-store.js'
import { createFakeClock } from '../../clock/fake-clock.js'
import { UpstreamRpcError } from '../../errors/errors.js'
import type { RoutingStrategy } from '../../routing/types.js'
import { createHeadTracker } from '../chain/head-tracker.js'
import { parseProviderConfig } from '../options.js'
import { createProviderRuntime, type ProviderRuntime } from '../provider/provider-runtime.js'
import { type PlanInput, planRequest } from './request-plan.js'

/** Keeps the candidates in the order given, so the plan's own ordering is what the tests see. */
const asGiven: RoutingStrategy = { name: 'as-given', select: (candidates) => [...candidates] }

function setup(ids: readonly string[]) {
  const clock = createFakeClock(1_000)
  const heads = createHeadTracker()
  const providers = ids.map((id) =>
    createProviderRuntime({
      config: parseProviderConfig({ id, chain: 'ethereum', httpUrl: `http://127.0.0.1:1/${id}` }),
      upstream: { request: () => Promise.reject(new Error('not used')), close() {} },
      clock,
      breaker: { failureThreshold: 1, halfOpenAfterMs: 1_000 },
      unsupportedMethodTtlMs: 60_000,
      emit() {},
    }),
  )
  const byId = (id: string) => providers.find((provider) => provider.config.id === id)!
  const plan = (input: Partial<PlanInput> = {}) =>
    planRequest({
      chain: 'ethereum',
      method: 'eth_getBalance',
      needsTip: false,
      referencedBlock: undefined,
      providers,
      heads,
      strategy: asGiven,
      store: createBenchmarkStore({ clock }),
      now: clock.now(),
      probing: true,
      ...input,
    })
  return { clock, heads, byId, plan }
}

const ids = (providers: readonly ProviderRuntime[]) => providers.map((provider) => provider.config.id)

function routed(plan: ReturnType<typeof planRequest>) {
  if (plan.kind !== 'route') throw new Error(`expected a route, got ${plan.kind}`)
  return { providers: ids(plan.providers), coolingDown: ids(plan.coolingDown), reasons: plan.reasons }
}

const notFound = () =>
  new UpstreamRpcError({
    rpcError: { code: -32601, message: 'method not found' },
    errorClass: 'method-unsupported',
  })

describe('planRequest', () => {
  it('leaves out providers that are down, circuit-open or known not to serve the method, saying why', () => {
    const { byId, plan } = setup(['a', 'b', 'c', 'd'])
    byId('a').markDown('connection refused')
    byId('b').breaker.recordFailure(byId('b').breaker.tryAcquire()!, new Error('503'))
    byId('c').markUnsupported('eth_getBalance', notFound())
    expect(routed(plan())).toEqual({
      providers: ['d'],
      coolingDown: [],
      reasons: {
        a: 'down (connection refused)',
        b: 'circuit open',
        c: 'does not serve eth_getBalance',
      },
    })
  })

  it('sets providers cooling down aside, earliest end first', () => {
    const { byId, plan } = setup(['a', 'b', 'c'])
    byId('a').startCooldown(5_000, 'rate limited')
    byId('b').startCooldown(1_000, 'rate limited')
    expect(routed(plan())).toMatchObject({ providers: ['c'], coolingDown: ['b', 'a'] })
  })

  it('answers from memory when every provider that could be asked does not serve the method', () => {
    const { byId, plan } = setup(['a', 'b', 'c'])
    const error = notFound()
    byId('a').markUnsupported('eth_getBalance', error)
    byId('b').markUnsupported('eth_getBalance', notFound())
    byId('c').markDown('connection refused')
    expect(plan()).toMatchObject({ kind: 'unsupported', error, provider: byId('a') })
    // A provider only cooling down could still serve it: it is routed to, not answered from memory.
    byId('c').markUp()
    byId('c').startCooldown(1_000, 'rate limited')
    expect(routed(plan())).toMatchObject({ providers: [], coolingDown: ['c'] })
  })

  it('puts lagging providers last for calls that need the tip, and only for those', () => {
    const { byId, plan } = setup(['a', 'b', 'c'])
    byId('a').setLagging(true, 9)
    expect(routed(plan({ needsTip: true })).providers).toEqual(['b', 'c', 'a'])
    expect(routed(plan({ needsTip: false })).providers).toEqual(['a', 'b', 'c'])
  })

  it('puts providers whose head is below the block a call names last, closest first', () => {
    const { heads, plan } = setup(['a', 'b', 'c'])
    heads.update('a', 95)
    heads.update('b', 98)
    heads.update('c', 100)
    expect(routed(plan({ referencedBlock: 99 })).providers).toEqual(['c', 'b', 'a'])
  })

  it('sends a call naming a block above every head to one provider only', () => {
    const { heads, plan } = setup(['a', 'b', 'c'])
    heads.update('a', 100)
    heads.update('b', 100)
    heads.update('c', 100)
    expect(routed(plan({ referencedBlock: 101 })).providers).toEqual(['a'])
  })

  it('keeps a half-open breaker for probes while they run, and lets a client call be its trial without them', () => {
    const { clock, byId, plan } = setup(['a', 'b'])
    byId('a').breaker.recordFailure(byId('a').breaker.tryAcquire()!, new Error('503'))
    clock.advance(1_000)
    expect(byId('a').breaker.state).toBe('half-open')
    expect(routed(plan({ probing: true, now: clock.now() })).providers).toEqual(['b'])
    expect(routed(plan({ probing: false, now: clock.now() })).providers).toEqual(['a', 'b'])
  })

  describe('history-aware routing', () => {
    it('puts providers taken not to keep the state a read needs last, the one keeping the oldest first', () => {
      const { heads, byId, plan } = setup(['a', 'b', 'c', 'd'])
      for (const id of ['a', 'b', 'c', 'd']) heads.update(id, 10_000)
      byId('a').noteStateMissing(500)
      byId('b').noteStateMissing(900)
      byId('b').noteStateServed(2_000)
      // a keeps 9,873 on (its newest 128), b 2,000 on, c and d never lacked state.
      expect(routed(plan({ stateBlock: 1_000 })).providers).toEqual(['c', 'd', 'b', 'a'])
      expect(routed(plan({ stateBlock: 3_000 })).providers).toEqual(['b', 'c', 'd', 'a'])
      expect(routed(plan({ stateBlock: 9_990 })).providers).toEqual(['a', 'b', 'c', 'd'])
      // Not a state read: in the strategy's order.
      expect(routed(plan({ referencedBlock: 1_000 })).providers).toEqual(['a', 'b', 'c', 'd'])
    })

    it('never leaves a provider out for what it was taken to lack: when all did, all are asked', () => {
      const { heads, byId, plan } = setup(['a', 'b'])
      heads.update('a', 10_000)
      heads.update('b', 10_000)
      byId('a').noteStateMissing(100)
      byId('b').noteStateMissing(100)
      expect(routed(plan({ stateBlock: 50 }))).toMatchObject({ providers: ['a', 'b'], reasons: {} })
    })

    it("reads a configured window against each provider's own head", () => {
      const clock = createFakeClock()
      const heads = createHeadTracker()
      const full = createProviderRuntime({
        config: parseProviderConfig({
          id: 'full',
          chain: 'ethereum',
          httpUrl: 'http://127.0.0.1:1',
          stateHistoryBlocks: 128,
        }),
        upstream: { request: () => Promise.reject(new Error('not used')), close() {} },
        clock,
        unsupportedMethodTtlMs: 60_000,
        emit() {},
      })
      const { byId, plan } = setup(['archive'])
      heads.update('full', 1_000)
      heads.update('archive', 1_000)
      const input = { providers: [full, byId('archive')], heads }
      expect(routed(plan({ ...input, stateBlock: 872 })).providers).toEqual(['archive', 'full'])
      expect(routed(plan({ ...input, stateBlock: 873 })).providers).toEqual(['full', 'archive'])
    })

    it("takes a session's provider off its lead for a read of state it is taken not to keep, as a detour", () => {
      const { heads, byId, plan } = setup(['a', 'b'])
      heads.update('a', 10_000)
      heads.update('b', 10_000)
      byId('b').noteStateMissing(100)
      const route = plan({ stateBlock: 100, preferred: 'b' })
      expect(route).toMatchObject({ kind: 'route', preferredBehind: true })
      expect(routed(route).providers).toEqual(['a', 'b'])
    })
  })
})
