import { mulberry32 } from '../random/prng.js'
import type { ProviderCandidate, RoutingContext, RoutingStrategy } from '../routing/types.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { createStubBenchmarkStore, type StubBenchmarkStore } from './stub-benchmark-store.js'

/** Options of {@link strategyConformanceCases}. */
export interface StrategyConformanceOptions {
  /** Seed of the generator of candidate sets and metrics; the same seed always yields the same calls. @default 1337 */
  seed?: number
  /** Generated calls per case. @default 60 */
  calls?: number
  /** Most candidates in one generated call. @default 8 */
  maxCandidates?: number
}

/** One check of the routing strategy contract; `run` throws an `Error` describing the first violation. */
export interface StrategyConformanceCase {
  name: string
  run(): void
}

const schema = v.strictObject({
  seed: v._default(v.number().check(v.int()), 1337),
  calls: v._default(v.number().check(v.int(), v.gte(1), v.lte(100_000)), 60),
  maxCandidates: v._default(v.number().check(v.int(), v.gte(2), v.lte(1000)), 8),
})

/**
 * The shared contract every routing strategy, built-in or custom, must pass. Framework-agnostic:
 * returns plain cases whose `run()` throws on a violation, so any test runner can run them.
 * `createStrategy` must return a fresh instance on each call (the determinism case compares two).
 *
 * Checked: `select` returns a permutation of the candidates (only the given objects, each once, none
 * dropped: strategies order, the pool filters), handles empty and single-candidate lists, leaves its
 * input untouched, returns a fresh array, never throws on missing or degenerate metrics, never writes
 * to the store, works across chains and methods, and is deterministic given the same history.
 * Calls are generated from a seeded PRNG, so a failure names its seed and call and reproduces exactly.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * for (const c of strategyConformanceCases(() => createMyStrategy())) it(c.name, c.run)
 */
export function strategyConformanceCases(
  createStrategy: () => RoutingStrategy,
  options: StrategyConformanceOptions = {},
): StrategyConformanceCase[] {
  const { seed, calls, maxCandidates } = parseOptions(schema, options, 'strategy conformance options')
  let caseIndex = 0
  const define = (
    name: string,
    check: (generate: (kind: MetricsKind) => GeneratedCall[], fail: Fail) => void,
  ) => {
    // Each case draws from its own stream, so adding a case does not change the calls of the others.
    const caseSeed = seed + 7919 * ++caseIndex
    return {
      name,
      run() {
        check(
          (kind) => generateCalls(caseSeed, calls, maxCandidates, kind),
          (problem, call) => {
            const where = call ? `\n  at ${call.label}` : ''
            throw new Error(
              `${name}: ${problem}${where}\n  (seed ${seed}; rerun with the same seed to reproduce)`,
            )
          },
        )
      },
    }
  }

  return [
    define('returns only the given candidate objects', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        for (const chosen of select(strategy, call, fail)) {
          if (!call.candidates.includes(chosen))
            fail(`returned ${describe(chosen)}, which is not one of the candidate objects passed in`, call)
        }
      }
    }),
    define('returns each candidate at most once', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        const result = select(strategy, call, fail)
        const seen = new Set<unknown>()
        for (const chosen of result) {
          if (seen.has(chosen)) fail(`returned ${describe(chosen)} twice: [${ids(result)}]`, call)
          seen.add(chosen)
        }
      }
    }),
    define('returns every candidate (strategies order, the pool filters)', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        const result = select(strategy, call, fail)
        const missing = call.candidates.filter((candidate) => !result.includes(candidate))
        if (missing.length > 0) fail(`dropped [${ids(missing)}]; returned [${ids(result)}]`, call)
      }
    }),
    define('returns an empty list for no candidates', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        const empty = { ...call, candidates: [], label: `${call.label} with no candidates` }
        const result = select(strategy, empty, fail)
        if (result.length !== 0) fail(`returned [${ids(result)}]`, empty)
      }
    }),
    define('returns the single candidate when given one', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        const only = call.candidates[0] ?? { id: 'solo', chain: call.context.chain, priority: 0 }
        const single = { ...call, candidates: [only], label: `${call.label} with only [${only.id}]` }
        const result = select(strategy, single, fail)
        if (result.length !== 1 || result[0] !== only) fail(`returned [${ids(result)}]`, single)
      }
    }),
    define('does not mutate the candidates array or the candidates', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        const before = [...call.candidates]
        const fields = call.candidates.map((candidate) => JSON.stringify(candidate))
        select(strategy, call, fail)
        if (call.candidates.length !== before.length || before.some((c, i) => call.candidates[i] !== c))
          fail(
            `reordered or resized the input array: [${ids(before)}] became [${ids(call.candidates)}]`,
            call,
          )
        call.candidates.forEach((candidate, i) => {
          if (JSON.stringify(candidate) !== fields[i])
            fail(`changed candidate ${candidate.id}: ${fields[i]} became ${JSON.stringify(candidate)}`, call)
        })
      }
    }),
    define('returns a fresh array the caller may modify', (generate, fail) => {
      const strategy = createStrategy()
      const twin = createStrategy()
      for (const call of generate('mixed')) {
        const first = select(strategy, call, fail)
        if (first === call.candidates) fail('returned the input array itself', call)
        first.length = 0 // What a caller may do with its result; the strategy must not notice.
        const second = select(strategy, call, fail)
        if (second === first) fail('returned the same array object on two calls', call)
        select(twin, call, fail)
        const expected = select(twin, call, fail)
        if (ids(second) !== ids(expected))
          fail(
            `after the caller emptied a result, returned [${ids(second)}] instead of [${ids(expected)}]`,
            call,
          )
      }
    }),
    define('is deterministic: fresh instances fed the same calls agree', (generate, fail) => {
      const first = createStrategy()
      const second = createStrategy()
      const hint =
        first === second ? ' (createStrategy returned the same instance twice; return a new one)' : ''
      for (const call of generate('mixed')) {
        const a = select(first, call, fail)
        const b = select(second, call, fail)
        if (ids(a) !== ids(b)) fail(`one instance returned [${ids(a)}], the other [${ids(b)}]${hint}`, call)
      }
    }),
    define('does not throw when the store has no metrics', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('empty')) expectPermutation(call, select(strategy, call, fail), fail)
    }),
    define('does not throw when recent() returns undefined but races exist', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('races-only')) expectPermutation(call, select(strategy, call, fail), fail)
    }),
    define(
      'does not throw on degenerate metrics (zeros, identical figures, extreme values)',
      (generate, fail) => {
        const strategy = createStrategy()
        const twin = createStrategy()
        for (const call of generate('degenerate')) {
          const result = select(strategy, call, fail)
          expectPermutation(call, result, fail)
          const again = select(twin, call, fail)
          if (ids(result) !== ids(again))
            fail(`fresh instances disagree: [${ids(result)}] vs [${ids(again)}]`, call)
        }
      },
    ),
    define('works across chains and methods with one instance', (generate, fail) => {
      const strategy = createStrategy()
      const generated = generate('mixed')
      // Every chain × method pair, interleaved, so per-chain or per-method state cannot leak between them.
      generated.forEach((call, i) => {
        const chain = CHAINS[i % CHAINS.length]!
        const method = METHODS[Math.floor(i / CHAINS.length) % METHODS.length]!
        const candidates = call.candidates.map((candidate) => ({ ...candidate, chain }))
        const moved = { ...call, candidates, context: { ...call.context, chain, method } }
        moved.label = describeCall(moved.context, candidates, i)
        expectPermutation(moved, select(strategy, moved, fail), fail)
      })
    }),
    define('does not write to the benchmark store', (generate, fail) => {
      const strategy = createStrategy()
      for (const call of generate('mixed')) {
        select(strategy, call, fail)
        const store = call.context.store as StubBenchmarkStore
        if (store.writes > 0) fail(`made ${store.writes} record/restore call(s); only the pool records`, call)
      }
    }),
  ]
}

type Fail = (problem: string, call?: GeneratedCall) => never
type MetricsKind = 'mixed' | 'empty' | 'races-only' | 'degenerate'

interface GeneratedCall {
  candidates: ProviderCandidate[]
  context: RoutingContext
  label: string
}

const CHAINS = ['ethereum', 'polygon', 'arbitrum']
// `constructor` and `__proto__` arrive from clients too; a cost lookup must not read the prototype.
const METHODS = [
  'eth_blockNumber',
  'eth_call',
  'eth_getLogs',
  'eth_getBalance',
  'eth_sendRawTransaction',
  'constructor',
  '__proto__',
]
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet']

function select(strategy: RoutingStrategy, call: GeneratedCall, fail: Fail): ProviderCandidate[] {
  let result: unknown
  try {
    result = strategy.select(call.candidates, call.context)
  } catch (error) {
    fail(`select threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, call)
  }
  if (!Array.isArray(result)) fail(`select returned ${typeof result}, not an array`, call)
  return result as ProviderCandidate[]
}

function expectPermutation(call: GeneratedCall, result: readonly ProviderCandidate[], fail: Fail): void {
  const remaining = new Set<unknown>(call.candidates)
  for (const chosen of result) {
    if (!remaining.delete(chosen))
      fail(`returned [${ids(result)}], not an ordering of the candidates [${ids(call.candidates)}]`, call)
  }
  if (remaining.size > 0)
    fail(`dropped candidates: returned [${ids(result)}] of [${ids(call.candidates)}]`, call)
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'id' in value)
    return `a candidate with id "${String(value.id)}"`
  return String(value)
}

function ids(list: readonly unknown[]): string {
  return list
    .map((item) =>
      typeof item === 'object' && item !== null && 'id' in item ? String(item.id) : String(item),
    )
    .join(', ')
}

function describeCall(
  context: RoutingContext,
  candidates: readonly ProviderCandidate[],
  index: number,
): string {
  return `call #${index}: chain=${context.chain} method=${context.method} candidates=[${ids(candidates)}]`
}

/** Test-case spreading on the shared seeded PRNG, so a seed generates the same calls on every runtime. */
function createRandom(seed: number) {
  const next = mulberry32(seed)
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!
  const chance = (p: number) => next() < p
  return { next, int, pick, chance }
}

type Random = ReturnType<typeof createRandom>

function providerName(index: number): string {
  return NAMES[index] ?? `provider-${index}`
}

function generateCalls(
  seed: number,
  count: number,
  maxCandidates: number,
  kind: MetricsKind,
): GeneratedCall[] {
  const random = createRandom(seed)
  const calls: GeneratedCall[] = []
  for (let index = 0; index < count; index++) {
    const chain = random.pick(CHAINS)
    const method = random.pick(METHODS)
    const size = random.int(0, maxCandidates)
    // A shuffled prefix of the names, plus two that are not candidates but may have metrics.
    const pool = Array.from({ length: maxCandidates + 2 }, (_, i) => providerName(i))
    for (let i = pool.length - 1; i > 0; i--) {
      const j = random.int(0, i)
      ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
    }
    const candidates = pool.slice(0, size).map((id) => generateCandidate(random, chain, id, kind))
    const store = createStubBenchmarkStore()
    const callKind =
      kind === 'mixed' ? random.pick(['rich', 'rich', 'empty', 'races-only', 'degenerate'] as const) : kind
    fillStore(random, store, chain, method, pool, callKind)
    const context: RoutingContext = { chain, method, store, now: index * 10 }
    calls.push({ candidates, context, label: describeCall(context, candidates, index) })
  }
  return calls
}

function generateCandidate(random: Random, chain: string, id: string, kind: MetricsKind): ProviderCandidate {
  const candidate: ProviderCandidate = { id, chain, priority: random.int(0, 3) }
  if (kind === 'degenerate') {
    candidate.defaultCost = random.pick([0, Number.MAX_VALUE])
    return candidate
  }
  const costs = random.next()
  if (costs < 0.33) candidate.defaultCost = random.pick([0, 0.5, 1, 2, 5])
  else if (costs < 0.66) {
    const costPerMethod: Record<string, number> = {}
    for (const method of METHODS.slice(0, 5))
      if (random.chance(0.5)) costPerMethod[method] = random.pick([0, 1, 2, 10, 25])
    candidate.costPerMethod = costPerMethod
    if (random.chance(0.5)) candidate.defaultCost = random.pick([1, 3])
  }
  return candidate
}

function fillStore(
  random: Random,
  store: StubBenchmarkStore,
  chain: string,
  method: string,
  providers: readonly string[],
  kind: Exclude<MetricsKind, 'mixed'> | 'rich',
): void {
  if (kind === 'empty') return
  if (kind === 'degenerate') {
    const variant = random.pick(['zeros', 'identical', 'extreme'] as const)
    const latency = variant === 'zeros' ? 0 : variant === 'identical' ? 100 : Number.MAX_VALUE
    for (const id of providers) {
      const score =
        variant === 'extreme'
          ? random.pick([Number.MAX_VALUE, -Number.MAX_VALUE])
          : variant === 'zeros'
            ? 0
            : 1
      store.setRace(chain, id, {
        score,
        wins: variant === 'zeros' ? 0 : 5,
        losses: variant === 'zeros' ? 0 : 5,
      })
      const samples =
        variant === 'extreme' ? Number.MAX_SAFE_INTEGER : variant === 'zeros' ? random.int(0, 30) : 20
      const stats = {
        samples,
        latencyMs: latency,
        p95Ms: variant === 'extreme' ? Number.POSITIVE_INFINITY : latency,
        errorRate: variant === 'extreme' ? 1 : 0,
      }
      store.setRecent(chain, id, method, stats)
      store.setRecent(chain, id, undefined, stats)
    }
    return
  }
  for (const id of providers) {
    if (random.chance(0.7)) {
      store.setRace(chain, id, {
        score: random.chance(0.2) ? 0 : Math.round(random.next() * 3000) / 1000,
        wins: random.int(0, 50),
        losses: random.int(0, 50),
        avgMarginMs: random.int(0, 400),
      })
    }
    if (kind === 'races-only') continue
    if (random.chance(0.7)) store.setRecent(chain, id, method, generateRecent(random))
    if (random.chance(0.5)) store.setRecent(chain, id, undefined, generateRecent(random))
  }
}

function generateRecent(random: Random) {
  const latencyMs = 5 + Math.round(random.next() * 20_000) / 10
  return {
    samples: random.int(0, 30),
    latencyMs,
    p95Ms: latencyMs * (1 + random.next() * 3),
    errorRate: random.chance(0.6) ? 0 : Math.round(random.next() * 500) / 1000,
  }
}
