import {
  MalformedResponseError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import type { JsonRpcResponse } from '../transport/json-rpc.js'
import {
  createFaultPlan,
  type FaultErrorMix,
  type FaultKnobs,
  INJECTED_ERRORS,
  logsRangeError,
  NEUTRAL_FAULT_KNOBS,
  type RequestFaultKind,
} from './fault-plan.js'

/**
 * The knobs a fault-behaviour case sets, with the devnet personality's names and meanings; the ones left
 * out are neutral (no latency, no errors, no lag, `mode: 'up'`).
 */
export type FaultBehaviourPersonality = Partial<Omit<FaultKnobs, 'errorMix'>> & {
  errorMix?: Partial<FaultErrorMix>
  retryAfterSeconds?: number | null
  lagBlocks?: number
  maxLogsBlockRange?: number | null
  stateHistoryBlocks?: number | null
}

/** A simulated provider under test, as {@link FaultBehaviourTarget.start} gives it. */
export interface FaultBehaviourProvider {
  /** The seed and id its fault plan is keyed by (`createFaultPlan(seed, id)`). */
  readonly seed: number | string
  readonly id: string
  /**
   * One JSON-RPC call as the pool makes it: resolves with the response (JSON-RPC errors included) or
   * rejects with an `UpstreamError` subclass, as an HTTP transport reports a 503, a 429, a truncated
   * body, a refused connection or a timeout. It must settle on its own: a fake-clock target moves its clock.
   */
  call(method: string, params: unknown[], options: { timeoutMs: number }): Promise<JsonRpcResponse>
  /**
   * Subscribes to `newHeads` over the provider's push channel (a WebSocket): `onHead` gets each pushed
   * block number, `onDrop` is called when the channel drops. Resolves with an unsubscribe function.
   */
  subscribeHeads(onHead: (blockNumber: number) => void, onDrop: () => void): Promise<() => Promise<void>>
  /** Now, in ms, on the clock the provider's latency runs on. */
  now(): number
}

/** What {@link faultBehaviourCases} runs against: a way to start simulated providers on one chain. */
export interface FaultBehaviourTarget {
  /**
   * Starts a fresh provider (its fault plan at its first request; nothing else calls it) with
   * `personality` over a neutral one. Its chain has at least 4 blocks and stays still during a case.
   */
  start(personality: FaultBehaviourPersonality): Promise<FaultBehaviourProvider>
  /** Stops a provider {@link start} gave. */
  stop(provider: FaultBehaviourProvider): Promise<void>
  /** The chain's own head, without any provider's lag. */
  chainHead(): Promise<number>
  /** Mines one block, which providers then push. */
  mine(): Promise<void>
  /** Lets `ms` pass on the providers' clock (a fake-clock target moves it). */
  wait(ms: number): Promise<void>
  /**
   * How much later than its drawn latency an answer may arrive: 0 on a fake clock, a few ms of
   * scheduling and loopback over real sockets. @default 0
   */
  toleranceMs?: number
}

/** One check of the simulated-provider contract; `run` rejects with an `Error` describing the violation. */
export interface FaultBehaviourCase {
  name: string
  run(): Promise<void>
}

/** An `errorMix` that injects one kind only. */
const only = (kind: keyof FaultErrorMix): FaultErrorMix => ({
  serverError: 0,
  rateLimit: 0,
  rpcError: 0,
  malformed: 0,
  [kind]: 1,
})

/** Faults of every kind, stalls and spread latencies, for the case that replays the seeded plan. */
const SEEDED = {
  latencyMs: 30,
  jitterMs: 15,
  errorRate: 0.5,
  stallRate: 0.25,
  stallMinMs: 60,
  stallMaxMs: 120,
}

/** Every call stalls, for the case that times stalls. */
const STALLING = { latencyMs: 20, stallRate: 1, stallMinMs: 150, stallMaxMs: 250 }

const CALL = { timeoutMs: 5_000 }

type Outcome = { kind: 'response'; response: JsonRpcResponse } | { kind: 'error'; error: unknown }

/**
 * The shared contract of a simulated provider — core's mock provider and the devnet's providers both
 * pass it, so a personality means the same thing to a unit test on a fake clock and to a test against
 * real anvil nodes. Framework-agnostic: plain cases whose `run()` rejects on a violation.
 *
 * Checked: `latencyMs` delays every answer; each `errorMix` kind fails the way a client sees it over
 * HTTP (`serverError` → `UpstreamHttpError` 503, `rateLimit` → `RateLimitedError` 429 with
 * `retryAfterSeconds`, `rpcError` → JSON-RPC error -32603, `malformed` → `MalformedResponseError`);
 * `stallRate` holds an answer back a further `stallMinMs`–`stallMaxMs`; `mode: 'down'` refuses
 * (`UpstreamUnavailableError`); `mode: 'hang'` and `hangRate` never answer (`UpstreamTimeoutError` at the
 * caller's timeout); `lagBlocks` trails the head; `maxLogsBlockRange`
 * refuses wider `eth_getLogs` ranges; `stateHistoryBlocks` refuses older state with geth's "missing trie
 * node"; `wsDelayMs` delays pushes and `wsDropRate` drops the push
 * channel instead of pushing; and a provider's faults and latencies are exactly those its seeded fault
 * plan draws.
 *
 * @example
 * for (const c of faultBehaviourCases(target)) it(c.name, c.run)
 */
export function faultBehaviourCases(target: FaultBehaviourTarget): FaultBehaviourCase[] {
  const tolerance = target.toleranceMs ?? 0

  const define = (
    name: string,
    personality: FaultBehaviourPersonality,
    check: (provider: FaultBehaviourProvider, fail: (problem: string) => never) => Promise<void>,
  ): FaultBehaviourCase => ({
    name,
    async run() {
      const provider = await target.start(personality)
      try {
        await check(provider, (problem) => {
          throw new Error(`${name}: ${problem}\n  (personality ${JSON.stringify(personality)})`)
        })
      } finally {
        await target.stop(provider)
      }
    },
  })

  /** Calls once and says how it ended and how long it took. */
  const timed = async (
    provider: FaultBehaviourProvider,
    method: string,
    params: unknown[] = [],
    options = CALL,
  ) => {
    const startedAt = provider.now()
    const outcome: Outcome = await provider.call(method, params, options).then(
      (response) => ({ kind: 'response', response }),
      (error: unknown) => ({ kind: 'error', error }),
    )
    return { outcome, elapsedMs: provider.now() - startedAt }
  }

  const rejection = async (
    provider: FaultBehaviourProvider,
    fail: (problem: string) => never,
    options = CALL,
  ): Promise<{ error: unknown; elapsedMs: number }> => {
    const { outcome, elapsedMs } = await timed(provider, 'eth_chainId', [], options)
    if (outcome.kind !== 'error') return fail(`expected a rejection, got ${JSON.stringify(outcome.response)}`)
    return { error: outcome.error, elapsedMs }
  }

  const result = async (
    provider: FaultBehaviourProvider,
    fail: (problem: string) => never,
    method: string,
    params: unknown[] = [],
  ) => {
    const { outcome } = await timed(provider, method, params)
    if (outcome.kind === 'error') return fail(`${method} rejected: ${String(outcome.error)}`)
    if ('error' in outcome.response)
      return fail(`${method} answered ${JSON.stringify(outcome.response.error)}`)
    return (outcome.response as { result: unknown }).result
  }

  /** Polls `done` every 5 ms for up to `maxMs` on the providers' clock. */
  const waitFor = async (done: () => boolean, maxMs = 3_000) => {
    for (let waited = 0; !done() && waited < maxMs; waited += 5) await target.wait(5)
    return done()
  }

  const within = (elapsedMs: number, expectedMs: number) =>
    elapsedMs >= expectedMs - 1 && elapsedMs <= expectedMs + tolerance

  return [
    define('delays every answer by latencyMs', { latencyMs: 150 }, async (provider, fail) => {
      for (let index = 0; index < 3; index++) {
        const { outcome, elapsedMs } = await timed(provider, 'eth_chainId')
        if (outcome.kind === 'error') return fail(`call ${index} rejected: ${String(outcome.error)}`)
        if (!within(elapsedMs, 150)) return fail(`call ${index} took ${elapsedMs.toFixed(1)} ms, not 150`)
      }
    }),

    define(
      'answers a serverError with HTTP 503',
      { errorRate: 1, errorMix: only('serverError') },
      async (provider, fail) => {
        const { error } = await rejection(provider, fail)
        if (!(error instanceof UpstreamHttpError) || error.status !== INJECTED_ERRORS.serverError.status)
          return fail(`expected UpstreamHttpError 503, got ${String(error)}`)
      },
    ),

    define(
      'answers a rateLimit with HTTP 429 asking to retry after retryAfterSeconds',
      { errorRate: 1, errorMix: only('rateLimit'), retryAfterSeconds: 2 },
      async (provider, fail) => {
        const { error } = await rejection(provider, fail)
        if (!(error instanceof RateLimitedError) || error.status !== 429 || error.retryAfterMs !== 2_000)
          return fail(`expected RateLimitedError 429 retrying after 2000 ms, got ${String(error)}`)
      },
    ),

    define(
      'answers a rateLimit without a retry hint when retryAfterSeconds is null',
      { errorRate: 1, errorMix: only('rateLimit'), retryAfterSeconds: null },
      async (provider, fail) => {
        const { error } = await rejection(provider, fail)
        if (!(error instanceof RateLimitedError) || error.retryAfterMs !== undefined)
          return fail(`expected RateLimitedError without retryAfterMs, got ${String(error)}`)
      },
    ),

    define(
      'answers an rpcError with JSON-RPC error -32603',
      { errorRate: 1, errorMix: only('rpcError') },
      async (provider, fail) => {
        const { outcome } = await timed(provider, 'eth_chainId')
        const { code, message } = INJECTED_ERRORS.rpcError
        if (outcome.kind === 'error')
          return fail(`expected a JSON-RPC error answer, got ${String(outcome.error)}`)
        const answered = 'error' in outcome.response ? outcome.response.error : undefined
        if (answered?.code !== code || answered.message !== message)
          return fail(`expected error ${code} "${message}", got ${JSON.stringify(outcome.response)}`)
      },
    ),

    define(
      'answers malformed with an unparseable body',
      { errorRate: 1, errorMix: only('malformed') },
      async (provider, fail) => {
        const { error } = await rejection(provider, fail)
        if (!(error instanceof MalformedResponseError))
          return fail(`expected MalformedResponseError, got ${String(error)}`)
      },
    ),

    define(
      'holds a call drawn by stallRate back a further stallMinMs–stallMaxMs, as its fault plan draws',
      STALLING,
      async (provider, fail) => {
        const plan = createFaultPlan(provider.seed, provider.id)
        const knobs: FaultKnobs = { ...NEUTRAL_FAULT_KNOBS, ...STALLING }
        for (let index = 0; index < 3; index++) {
          const expected = plan.nextRequest(knobs)
          const { outcome, elapsedMs } = await timed(provider, 'eth_chainId')
          if (kindOf(outcome) !== 'none')
            return fail(`call ${index} ended as ${kindOf(outcome)}, not answered`)
          if (expected.stallMs < STALLING.stallMinMs || expected.stallMs > STALLING.stallMaxMs)
            return fail(`the plan drew a ${expected.stallMs.toFixed(1)} ms stall, outside 150–250`)
          if (!within(elapsedMs, expected.delayMs))
            return fail(
              `call ${index} took ${elapsedMs.toFixed(1)} ms, the plan drew 20 + a ${expected.stallMs.toFixed(1)} ms stall`,
            )
        }
      },
    ),

    define('refuses every call while down', { mode: 'down' }, async (provider, fail) => {
      const { error } = await rejection(provider, fail)
      if (!(error instanceof UpstreamUnavailableError))
        return fail(`expected UpstreamUnavailableError, got ${String(error)}`)
    }),

    define('never answers while hanging: the caller times out', { mode: 'hang' }, async (provider, fail) => {
      const { error, elapsedMs } = await rejection(provider, fail, { timeoutMs: 300 })
      if (!(error instanceof UpstreamTimeoutError))
        return fail(`expected UpstreamTimeoutError, got ${String(error)}`)
      if (!within(elapsedMs, 300)) return fail(`timed out after ${elapsedMs.toFixed(1)} ms, not 300`)
    }),

    define('never answers a call drawn by hangRate', { hangRate: 1 }, async (provider, fail) => {
      const { error } = await rejection(provider, fail, { timeoutMs: 300 })
      if (!(error instanceof UpstreamTimeoutError))
        return fail(`expected UpstreamTimeoutError, got ${String(error)}`)
    }),

    define('trails the chain head by lagBlocks', { lagBlocks: 2 }, async (provider, fail) => {
      const head = await target.chainHead()
      const served = await result(provider, fail, 'eth_blockNumber')
      if (served !== `0x${(head - 2).toString(16)}`)
        return fail(`eth_blockNumber is ${String(served)}, chain head ${head}`)
      const newest = await result(provider, fail, 'eth_getBlockByNumber', [`0x${head.toString(16)}`, false])
      if (newest !== null) return fail(`served block ${head}, above its lagged head`)
    }),

    define(
      'refuses eth_getLogs ranges wider than maxLogsBlockRange',
      { maxLogsBlockRange: 2 },
      async (provider, fail) => {
        const narrow = await result(provider, fail, 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }])
        if (!Array.isArray(narrow)) return fail(`a 2-block range answered ${JSON.stringify(narrow)}`)
        const { outcome } = await timed(provider, 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x3' }])
        const expected = logsRangeError(2)
        const answered =
          outcome.kind === 'response' && 'error' in outcome.response ? outcome.response.error : undefined
        if (answered?.code !== expected.code || answered.message !== expected.message)
          return fail(
            `a 3-block range should answer ${JSON.stringify(expected)}, got ${JSON.stringify(outcome)}`,
          )
      },
    ),

    define(
      "keeps only its newest stateHistoryBlocks blocks' state",
      { stateHistoryBlocks: 2 },
      async (provider, fail) => {
        const head = await target.chainHead()
        const account = '0x000000000000000000000000000000000000dead'
        const kept = await result(provider, fail, 'eth_getBalance', [account, `0x${(head - 1).toString(16)}`])
        if (typeof kept !== 'string') return fail(`state at head - 1 answered ${JSON.stringify(kept)}`)
        const { outcome } = await timed(provider, 'eth_getBalance', [account, `0x${(head - 2).toString(16)}`])
        const answered =
          outcome.kind === 'response' && 'error' in outcome.response ? outcome.response.error : undefined
        if (answered?.code !== -32000 || !/^missing trie node [0-9a-f]{64} \(path \)$/.test(answered.message))
          return fail(
            `state at head - 2 should answer -32000 "missing trie node <root> (path )", got ${JSON.stringify(outcome)}`,
          )
      },
    ),

    define('delays each push by wsDelayMs', { wsDelayMs: 150 }, async (provider, fail) => {
      const arrivals: number[] = []
      const unsubscribe = await provider.subscribeHeads(
        () => arrivals.push(provider.now()),
        () => undefined,
      )
      try {
        const minedAt = provider.now()
        await target.mine()
        if (!(await waitFor(() => arrivals.length > 0))) return fail('no push within 3 s of a new block')
        const delayMs = arrivals[0]! - minedAt
        if (!within(delayMs, 150))
          return fail(`the push came ${delayMs.toFixed(1)} ms after the block, not 150`)
      } finally {
        await unsubscribe()
      }
    }),

    define(
      'drops the push channel instead of pushing at wsDropRate 1',
      { wsDropRate: 1 },
      async (provider, fail) => {
        const heads: number[] = []
        let dropped = false
        const unsubscribe = await provider.subscribeHeads(
          (blockNumber) => heads.push(blockNumber),
          () => {
            dropped = true
          },
        )
        try {
          await target.mine()
          if (!(await waitFor(() => dropped))) return fail('the push channel stayed up after a new block')
          if (heads.length > 0) return fail(`pushed ${heads.join(', ')} instead of dropping`)
        } finally {
          await unsubscribe()
        }
      },
    ),

    define(
      'injects the faults and latencies its seeded fault plan draws, call by call',
      SEEDED,
      async (provider, fail) => {
        const plan = createFaultPlan(provider.seed, provider.id)
        const knobs: FaultKnobs = { ...NEUTRAL_FAULT_KNOBS, ...SEEDED }
        for (let index = 0; index < 16; index++) {
          const expected = plan.nextRequest(knobs)
          const { outcome, elapsedMs } = await timed(provider, 'eth_chainId')
          const kind = kindOf(outcome)
          if (kind !== expected.kind)
            return fail(`call ${index} ended as ${kind}, the plan drew ${expected.kind}`)
          if (!within(elapsedMs, expected.delayMs))
            fail(
              `call ${index} took ${elapsedMs.toFixed(1)} ms, the plan drew ${expected.delayMs.toFixed(1)}`,
            )
        }
      },
    ),
  ]
}

/** The fault kind a call's outcome shows. */
function kindOf(outcome: Outcome): RequestFaultKind | 'unknown' {
  if (outcome.kind === 'response') {
    if (!('error' in outcome.response)) return 'none'
    return outcome.response.error.code === INJECTED_ERRORS.rpcError.code ? 'rpcError' : 'unknown'
  }
  const { error } = outcome
  if (error instanceof RateLimitedError) return 'rateLimit'
  if (error instanceof UpstreamHttpError && error.status === INJECTED_ERRORS.serverError.status)
    return 'serverError'
  if (error instanceof MalformedResponseError) return 'malformed'
  if (error instanceof UpstreamTimeoutError) return 'hang'
  return 'unknown'
}
