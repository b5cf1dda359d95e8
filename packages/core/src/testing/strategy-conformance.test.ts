import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import {
  createCheapestStrategy,
  createFastestStrategy,
  createHybridStrategy,
  createLeaderboardStrategy,
  createPriorityStrategy,
  createRoundRobinStrategy,
} from '../index.js'
import type { ProviderCandidate, RoutingStrategy } from '../routing/types.js'
import { strategyConformanceCases } from './strategy-conformance.js'

const builtIns: Record<string, () => RoutingStrategy> = {
  leaderboard: () => createLeaderboardStrategy(),
  priority: () => createPriorityStrategy(),
  'round-robin': () => createRoundRobinStrategy(),
  fastest: () => createFastestStrategy(),
  'fastest (explore off, minSamples 1)': () => createFastestStrategy({ explore: false, minSamples: 1 }),
  cheapest: () => createCheapestStrategy(),
  hybrid: () => createHybridStrategy(),
  'hybrid (score only)': () =>
    createHybridStrategy({ weights: { score: 1, latency: 0, cost: 0, errorRate: 0 } }),
}

for (const [name, create] of Object.entries(builtIns)) {
  describe(`${name} strategy conformance`, () => {
    for (const c of strategyConformanceCases(create)) it(c.name, c.run)
  })
}

const byId = (candidates: readonly ProviderCandidate[]) =>
  [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

function runCase(create: () => RoutingStrategy, caseName: string): () => void {
  const found = strategyConformanceCases(create).find((c) => c.name === caseName)
  if (found === undefined) throw new Error(`no case named "${caseName}"`)
  return found.run
}

let sharedTurn = 0

/** Strategies with one deliberate bug each, and the case that must catch it. */
const broken: Array<{ bug: string; caseName: string; message: RegExp; create: () => RoutingStrategy }> = [
  {
    bug: 'returns a candidate twice',
    caseName: 'returns each candidate at most once',
    message: /twice/,
    create: () => ({ name: 'dup', select: (candidates) => [...byId(candidates), ...candidates.slice(0, 1)] }),
  },
  {
    bug: 'drops the last candidate',
    caseName: 'returns every candidate (strategies order, the pool filters)',
    message: /dropped/,
    create: () => ({ name: 'drop', select: (candidates) => byId(candidates).slice(0, -1) }),
  },
  {
    bug: 'returns copies instead of the given objects',
    caseName: 'returns only the given candidate objects',
    message: /not one of the candidate objects/,
    create: () => ({ name: 'copies', select: (candidates) => candidates.map((c) => ({ ...c })) }),
  },
  {
    bug: 'adds a fallback provider when given none',
    caseName: 'returns an empty list for no candidates',
    message: /returned \[fallback\]/,
    create: () => ({
      name: 'fallback',
      select: (candidates, context) =>
        candidates.length > 0 ? byId(candidates) : [{ id: 'fallback', chain: context.chain, priority: 0 }],
    }),
  },
  {
    bug: 'sorts the input array in place',
    caseName: 'does not mutate the candidates array or the candidates',
    message: /reordered or resized the input array/,
    create: () => ({
      name: 'in-place',
      select: (candidates) =>
        (candidates as ProviderCandidate[]).sort((a, b) => b.priority - a.priority).slice(),
    }),
  },
  {
    bug: 'bumps the priority of the chosen candidate',
    caseName: 'does not mutate the candidates array or the candidates',
    message: /changed candidate/,
    create: () => ({
      name: 'bump',
      select: (candidates) => {
        const order = byId(candidates)
        if (order[0]) order[0].priority += 1
        return order
      },
    }),
  },
  {
    bug: 'returns the input array itself',
    caseName: 'returns a fresh array the caller may modify',
    message: /input array itself/,
    create: () => ({ name: 'same', select: (candidates) => candidates as ProviderCandidate[] }),
  },
  {
    bug: 'reuses one result array across calls',
    caseName: 'returns a fresh array the caller may modify',
    message: /same array object/,
    create: () => {
      const reused: ProviderCandidate[] = []
      return {
        name: 'reused',
        select: (candidates) => {
          reused.length = 0
          reused.push(...byId(candidates))
          return reused
        },
      }
    },
  },
  {
    bug: 'keeps its rotation in module state shared by all instances',
    caseName: 'is deterministic: fresh instances fed the same calls agree',
    message: /one instance returned/,
    create: () => ({
      name: 'shared-rotation',
      select: (candidates) => {
        const order = byId(candidates)
        const turn = sharedTurn++ % Math.max(order.length, 1)
        return [...order.slice(turn), ...order.slice(0, turn)]
      },
    }),
  },
  {
    bug: 'assumes every provider has recent figures',
    caseName: 'does not throw when the store has no metrics',
    message: /select threw TypeError/,
    create: () => ({
      name: 'assumes-figures',
      select: (candidates, { store, chain, method }) =>
        [...candidates].sort(
          (a, b) =>
            store.recent(chain, a.id, method)!.latencyMs - store.recent(chain, b.id, method)!.latencyMs,
        ),
    }),
  },
  {
    bug: 'divides by the sum of scores, which is 0 when every score is 0',
    caseName: 'does not throw on degenerate metrics (zeros, identical figures, extreme values)',
    message: /not an ordering of the candidates/,
    create: () => ({
      name: 'share-of-total',
      select: (candidates, { store, chain }) => {
        const rows = store.leaderboard(chain)
        const total = rows.reduce((sum, row) => sum + row.score, 0)
        const shares = candidates.map(
          (c) => (rows.find((row) => row.providerId === c.id)?.score ?? 0) / total,
        )
        const first = shares.indexOf(Math.max(...shares))
        return [candidates[first]!, ...candidates.filter((_, i) => i !== first)]
      },
    }),
  },
  {
    bug: 'memoises the order per method, forgetting the chain',
    caseName: 'works across chains and methods with one instance',
    message: /dropped candidates|not an ordering of the candidates/,
    create: () => {
      const memo = new Map<string, ProviderCandidate[]>()
      return {
        name: 'memo',
        select: (candidates, { method }) => {
          const order = memo.get(method) ?? byId(candidates)
          memo.set(method, order)
          return [...order]
        },
      }
    },
  },
  {
    bug: 'records a call in the store while routing',
    caseName: 'does not write to the benchmark store',
    message: /record\/restore call/,
    create: () => ({
      name: 'writer',
      select: (candidates, { store, chain, method }) => {
        const order = byId(candidates)
        if (order[0])
          store.recordRpcCall(chain, {
            providerId: order[0].id,
            method,
            strategy: 'writer',
            durationMs: 0,
            ok: true,
          })
        return order
      },
    }),
  },
]

describe('strategy conformance suite', () => {
  it.each(broken)('catches a strategy that $bug', ({ caseName, message, create }) => {
    expect(runCase(create, caseName)).toThrow(message)
  })

  it('also fails the recent()-undefined case for a strategy that assumes figures', () => {
    const strategy = broken.find((b) => b.bug === 'assumes every provider has recent figures')!
    expect(
      runCase(strategy.create, 'does not throw when recent() returns undefined but races exist'),
    ).toThrow(/select threw/)
  })

  it('names the seed and the offending call in a failure', () => {
    const run = strategyConformanceCases(broken[0]!.create, { seed: 42 }).find(
      (c) => c.name === 'returns each candidate at most once',
    )!.run
    expect(run).toThrow(/seed 42/)
    expect(run).toThrow(/call #\d+: chain=\w+ method=\w+ candidates=\[/)
  })

  it('generates the same calls for the same seed, and other calls for another seed', () => {
    const record = (seed: number) => {
      const seen: string[] = []
      const spy: RoutingStrategy = {
        name: 'spy',
        select: (candidates, context) => {
          seen.push(
            `${context.chain}/${context.method}:${candidates.map((c) => `${c.id}@${c.priority}`).join(',')}`,
          )
          return [...candidates]
        },
      }
      for (const c of strategyConformanceCases(() => spy, { seed, calls: 10 })) c.run()
      return seen
    }
    expect(record(7)).toEqual(record(7))
    expect(record(7)).not.toEqual(record(8))
  })

  it('passes a correct custom strategy', () => {
    for (const c of strategyConformanceCases(() => ({ name: 'by-id', select: byId })))
      expect(c.run).not.toThrow()
  })

  it('rejects invalid options', () => {
    expect(() => strategyConformanceCases(() => createPriorityStrategy(), { calls: 0 })).toThrow(ConfigError)
  })
})
