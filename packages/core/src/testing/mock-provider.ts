import type { Clock, TimerHandle } from '../clock/clock.js'
import {
  AbortedError,
  ConfigError,
  MalformedResponseError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamRpcError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import type {
  Upstream,
  UpstreamConnectionState,
  UpstreamRequestOptions,
  UpstreamSubscribeHooks,
  UpstreamSubscription,
} from '../provider-pool/provider/upstream.js'
import { mulberry32 } from '../random/prng.js'
import { toHeader } from '../subscriptions/block-header.js'
import { type Log, type LogFilter, matchesLogFilter } from '../subscriptions/log-filter.js'
import { classifyRpcError, type JsonRpcError, type JsonRpcResponse } from '../transport/json-rpc.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import {
  createFaultPlan,
  type FaultErrorMix,
  INJECTED_ERRORS,
  logsRangeError,
  logsResultsError,
  missingStateError,
  NEUTRAL_FAULT_KNOBS,
  sampleDelay,
} from './fault-plan.js'
import type { MockBlock, MockChain } from './mock-chain.js'

/** How a mock provider is reachable, as in the devnet: `down` refuses, `hang` accepts and never answers. */
export type MockProviderMode = 'up' | 'down' | 'hang'

/**
 * How a mock provider behaves; every knob can change at runtime with {@link MockProvider.set}. The knobs
 * are the devnet personality's, with the same names and meanings (docs/devnet.md, "Personalities"; a
 * compile-time check keeps them in step), and its fault decisions are the devnet's too (`createFaultPlan`):
 * the same seed and id give the same faults. Two knobs are the mock's own: `failNext` and `rpcError`.
 * A call arriving while `mode` is `down` is refused; otherwise it hangs (`mode: 'hang'`, `hangRate`),
 * fails (`failNext`, then `errorRate` × `errorMix`), answers with `rpcError`, or is answered, after the latency
 * (and a stall, when `stallRate` draws one).
 */
export interface MockProviderBehaviour {
  /** Median added latency of every call (ms of the injected clock; normal distribution with `jitterMs`). @default 0 */
  latencyMs?: number
  /** Standard deviation of the call latency (ms); draws below 0 are clamped to 0. @default 0 */
  jitterMs?: number
  /** Probability (0–1) that a call gets an injected error (its kind drawn with `errorMix`) instead of its answer. @default 0 */
  errorRate?: number
  /**
   * Relative weights of the injected error kinds, as the HTTP transport would report them: `serverError`
   * rejects with `UpstreamHttpError` 503, `rateLimit` with `RateLimitedError` 429 (`retryAfterSeconds`),
   * `rpcError` answers JSON-RPC error -32603, `malformed` rejects with `MalformedResponseError`. May be
   * partial; the kinds left out keep their weight. @default all 1
   */
  errorMix?: Partial<FaultErrorMix>
  /**
   * `Retry-After` of injected 429s, in seconds (fractions allowed here, unlike in the devnet: no HTTP header
   * carries it); `null` sends none, and the pool's `defaultCooldownMs` applies. @default 1
   */
  retryAfterSeconds?: number | null
  /** Probability (0–1) that a call is accepted and never answered. @default 0 */
  hangRate?: number
  /**
   * Probability (0–1) that a call stalls: its outcome, whatever it is, comes a further `stallMinMs`–`stallMaxMs`
   * (uniform) after the latency. @default 0
   */
  stallRate?: number
  /** Shortest stall, in ms. @default 200 */
  stallMinMs?: number
  /** Longest stall, in ms; at least `stallMinMs`. @default 800 */
  stallMaxMs?: number
  /** Blocks the provider trails the chain by: it neither serves nor pushes the newest `lagBlocks`. @default 0 */
  lagBlocks?: number
  /** Median delay of each push (`newHeads`, `logs`), in ms. @default 0 */
  wsDelayMs?: number
  /** Standard deviation of the push delay, in ms. @default 0 */
  wsJitterMs?: number
  /** Probability, per push, that the push channel drops instead (as `dropSubscriptions()`). @default 0 */
  wsDropRate?: number
  /**
   * Reachability. `down`: calls reject with `UpstreamUnavailableError` and the push channel drops; back to
   * `up`, it reconnects (and calls `onResubscribed`). `hang`: calls never answer; they end with
   * `AbortedError` when aborted or `UpstreamTimeoutError` at `timeoutMs`; the push channel stays open but
   * nothing arrives on it (as the devnet's relay, which delivers only while `up`). @default 'up'
   */
  mode?: MockProviderMode
  /** Widest `eth_getLogs` block range served; wider ranges answer -32602 "query exceeds max block range N". `null`: no limit. @default null */
  maxLogsBlockRange?: number | null
  /** Most logs an `eth_getLogs` answer may hold; a query matching more answers -32005 "query returned more than N results". `null`: no limit. @default null */
  maxLogsResults?: number | null
  /** How many of its newest blocks' state it keeps; a state read at an older block answers -32000 "missing trie node … (path )", as a pruning geth does. `null`: all (an archive node). @default null */
  stateHistoryBlocks?: number | null
  /** The mock's own: the next `failNext` calls fail with HTTP 503 (`UpstreamHttpError`). @default 0 */
  failNext?: number
  /** The mock's own: calls (of `methods`, or all) answer with this JSON-RPC error. @default false */
  rpcError?: false | (JsonRpcError & { methods?: string[] })
}

/** Every knob of a mock provider, resolved ({@link MockProvider.behaviour}). */
export type MockProviderState = Required<Omit<MockProviderBehaviour, 'errorMix'>> & {
  errorMix: FaultErrorMix
}

/** A custom answer for one method: a result, or a JSON-RPC error object. */
export type MockMethodHandler = (params: readonly unknown[]) => { result: unknown } | { error: JsonRpcError }

/** Options of {@link createMockProvider}. */
export interface MockProviderOptions {
  chain: MockChain
  /** Times latency and pushes. @default chain.clock */
  clock?: Clock
  /** The provider id errors carry. @default 'mock' */
  id?: string
  /** Seed of the fault decisions (latency, errors, hangs, push delays and drops). @default 1 */
  seed?: number
  /** Whether it can push (`subscribe`, like a WebSocket provider) or only answer calls (HTTP). @default true */
  subscriptions?: boolean
  /** Shorthand for `script.latencyMs`. @default 0 */
  latencyMs?: number
  /** Initial behaviour. */
  script?: MockProviderBehaviour
}

/** An in-memory {@link Upstream} serving a {@link MockChain}, with scripted latency, lag and failures. */
export interface MockProvider extends Upstream {
  readonly id: string
  readonly chain: MockChain
  /** Changes behaviour; knobs not named keep their value. */
  set(behaviour: MockProviderBehaviour): void
  /** The current behaviour, every knob resolved. */
  behaviour(): Readonly<MockProviderState>
  /** Answers `method` with `handler` (overriding the built-in answer); `undefined` removes it. */
  handle(method: string, handler: MockMethodHandler | undefined): void
  /** Simulates a dropped socket: pushes stop and the connection reports `disconnected` (what `wsDropRate` draws). */
  dropSubscriptions(): void
  /** Reconnects after a drop: subscriptions resume from the current head and `onResubscribed` fires. */
  reconnect(): void
  connectionState(): UpstreamConnectionState
  /** The newest block this provider serves (chain head minus `lagBlocks`). */
  head(): number
  /** Calls received (including failed ones and `eth_subscribe`), of one method or of all. */
  calls(method?: string): number
  callCounts(): Record<string, number>
  resetCalls(): void
  /** Subscriptions not yet unsubscribed. */
  activeSubscriptions(): number
}

const nonnegative = v.number().check(v.nonnegative())
const nonnegativeInt = v.number().check(v.int(), v.nonnegative())
const probability = v.number().check(v.gte(0), v.lte(1))
const behaviourSchema = v.strictObject({
  latencyMs: v.optional(nonnegative),
  jitterMs: v.optional(nonnegative),
  errorRate: v.optional(probability),
  errorMix: v.optional(
    v.strictObject({
      serverError: v.optional(nonnegative),
      rateLimit: v.optional(nonnegative),
      rpcError: v.optional(nonnegative),
      malformed: v.optional(nonnegative),
    }),
  ),
  retryAfterSeconds: v.optional(v.union([v.null(), nonnegative])),
  hangRate: v.optional(probability),
  stallRate: v.optional(probability),
  stallMinMs: v.optional(nonnegative),
  stallMaxMs: v.optional(nonnegative),
  lagBlocks: v.optional(nonnegativeInt),
  wsDelayMs: v.optional(nonnegative),
  wsJitterMs: v.optional(nonnegative),
  wsDropRate: v.optional(probability),
  mode: v.optional(v.union([v.literal('up'), v.literal('down'), v.literal('hang')])),
  maxLogsBlockRange: v.optional(v.union([v.null(), v.number().check(v.int(), v.gte(1))])),
  maxLogsResults: v.optional(v.union([v.null(), v.number().check(v.int(), v.gte(1))])),
  stateHistoryBlocks: v.optional(v.union([v.null(), v.number().check(v.int(), v.gte(1))])),
  failNext: v.optional(nonnegativeInt),
  rpcError: v.optional(
    v.union([
      v.literal(false),
      v.looseObject({
        code: v.number().check(v.int()),
        message: v.string(),
        methods: v.optional(v.array(v.string())),
      }),
    ]),
  ),
})

const optionsSchema = v.strictObject({
  chain: v.custom<MockChain>(
    (value) => typeof (value as MockChain | null)?.onChange === 'function',
    'expected a MockChain',
  ),
  clock: v.optional(v.custom<Clock>((value) => typeof (value as Clock | null)?.setTimeout === 'function')),
  id: v._default(v.string().check(v.minLength(1)), 'mock'),
  seed: v._default(v.number().check(v.int()), 1),
  subscriptions: v._default(v.boolean(), true),
  latencyMs: v.optional(nonnegative),
  script: v.optional(behaviourSchema),
})

interface MockSubscription {
  kind: 'newHeads' | { logs: LogFilter }
  onNotification: (result: unknown) => void
  hooks: UpstreamSubscribeHooks
  /** Hash of each block pushed, by number; the walk-back that detects reorgs stops on a match. */
  pushed: Map<number, string>
  /** Lowest block number the subscription can know about (its start, or the oldest remembered). */
  floor: number
  active: boolean
}

/** Blocks each subscription remembers for reorg detection. */
const PUSH_HISTORY = 256

const toHex = (value: number | bigint): string => `0x${value.toString(16)}`

/**
 * Creates an in-memory provider for a {@link MockChain}: no sockets, no real timers. It answers
 * `eth_chainId`, `net_version`, `eth_blockNumber`, `eth_getBlockByNumber`, `eth_getBlockByHash`,
 * `eth_getLogs` (by block hash or range), `eth_getBalance` and `eth_call` from the chain (unknown
 * methods answer JSON-RPC -32601), pushes `newHeads` and `logs`, and misbehaves on command with the
 * devnet's personality knobs: latency, lag, outages, hangs, 503s, 429s, JSON-RPC errors, malformed
 * bodies, stalls, a logs range limit, a logs result limit, pruned state, slow and dropped pushes. Give it to a pool as
 * `{ id, chain, upstream: provider }`. Like the real transports, it ends a call that takes longer than
 * the caller's `timeoutMs` with `UpstreamTimeoutError`. Zero latency answers on the microtask queue.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const clock = createFakeClock()
 * const chain = createMockChain({ clock })
 * const slow = createMockProvider({ chain, clock, id: 'slow', latencyMs: 120 })
 * const pool = createProviderPool({
 *   chains: [{ name: 'ethereum', chainId: 1 }],
 *   providers: [{ id: 'slow', chain: 'ethereum', upstream: slow }],
 *   clock,
 * })
 * slow.set({ mode: 'down' }) // calls fail over, the push channel drops
 */
export function createMockProvider(options: MockProviderOptions): MockProvider {
  const parsed = parseOptions(optionsSchema, options, 'mock provider options')
  const { chain, id: providerId } = parsed
  const clock = parsed.clock ?? chain.clock
  // The devnet's fault decisions, keyed like a devnet provider's (seed + id); subscribe round trips,
  // which the plan does not count, draw their latency from their own stream.
  const plan = createFaultPlan(parsed.seed, providerId)
  const random = mulberry32(parsed.seed)
  const state: MockProviderState = {
    ...NEUTRAL_FAULT_KNOBS,
    errorMix: { ...NEUTRAL_FAULT_KNOBS.errorMix },
    latencyMs: parsed.latencyMs ?? 0,
    retryAfterSeconds: 1,
    lagBlocks: 0,
    maxLogsBlockRange: null,
    maxLogsResults: null,
    stateHistoryBlocks: null,
    failNext: 0,
    rpcError: false,
  }
  const counts = new Map<string, number>()
  const handlers = new Map<string, MockMethodHandler>()
  const subscriptions = new Set<MockSubscription>()
  const connectionListeners = new Set<(state: UpstreamConnectionState) => void>()
  const timers = new Set<TimerHandle>()
  /** Rejecters of calls in flight, so `close()` ends them. */
  const inFlight = new Set<(error: unknown) => void>()
  let connection: UpstreamConnectionState = 'connected'
  let closed = false
  /** Pushes leave in order even when latency drops between two of them, like frames on one socket. */
  let lastPushDueAt = Number.NEGATIVE_INFINITY
  /** Bumped on every drop, so pushes scheduled on a dead connection never arrive on the next one. */
  let connectionEpoch = 0
  const firstBlock = chain.startBlock

  const visibleHead = () => Math.max(firstBlock, Number.parseInt(chain.head().number, 16) - state.lagBlocks)
  const count = (method: string) => counts.set(method, (counts.get(method) ?? 0) + 1)

  function schedule(callback: () => void, delayMs: number): TimerHandle {
    const handle = clock.setTimeout(() => {
      timers.delete(handle)
      callback()
    }, delayMs)
    timers.add(handle)
    return handle
  }

  function cancel(handle: TimerHandle | undefined): void {
    if (handle === undefined) return
    clock.clearTimeout(handle)
    timers.delete(handle)
  }

  function setConnection(next: UpstreamConnectionState): void {
    if (connection === next) return
    connection = next
    for (const listener of [...connectionListeners]) listener(next)
  }

  // ---- calls -------------------------------------------------------------------------------------

  function rpc(result: unknown): JsonRpcResponse {
    return { jsonrpc: '2.0', id: null, result: result === undefined ? null : structuredClone(result) }
  }

  function rpcFailure(error: JsonRpcError): JsonRpcResponse {
    return { jsonrpc: '2.0', id: null, error }
  }

  /** Resolves a block parameter against this provider's view; `undefined` when it cannot see the block. */
  function blockNumberOf(tag: unknown): number | undefined {
    const head = visibleHead()
    if (tag === undefined || tag === null) return head
    if (typeof tag === 'object') {
      const { blockHash, blockNumber } = tag as { blockHash?: string; blockNumber?: string }
      if (blockHash !== undefined) {
        const block = chain.blockByHash(blockHash)
        const number = block ? Number.parseInt(block.number, 16) : undefined
        return number !== undefined && number <= head ? number : undefined
      }
      return blockNumberOf(blockNumber)
    }
    if (tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return head
    if (tag === 'earliest') return firstBlock
    if (typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag)) {
      const number = Number.parseInt(tag, 16)
      return number <= head && number >= firstBlock ? number : undefined
    }
    return undefined
  }

  function fullBlock(block: MockBlock | undefined, withTransactions: unknown): unknown {
    if (!block || Number.parseInt(block.number, 16) > visibleHead()) return null
    return withTransactions === true ? { ...block, transactions: chain.transactionsOf(block.hash) } : block
  }

  /** What the node answers, computed when the call arrives. */
  function answer(method: string, params: readonly unknown[]): JsonRpcResponse {
    const handler = handlers.get(method)
    if (handler) {
      const outcome = handler(params)
      return 'error' in outcome ? rpcFailure(outcome.error) : rpc(outcome.result)
    }
    switch (method) {
      case 'eth_chainId':
        return rpc(toHex(chain.chainId))
      case 'net_version':
        return rpc(String(chain.chainId))
      case 'eth_blockNumber':
        return rpc(toHex(visibleHead()))
      case 'eth_getBlockByNumber': {
        const number = blockNumberOf(params[0])
        return rpc(number === undefined ? null : fullBlock(chain.blockByNumber(number), params[1]))
      }
      case 'eth_getBlockByHash':
        return typeof params[0] === 'string'
          ? rpc(fullBlock(chain.blockByHash(params[0]), params[1]))
          : invalidParams('expected a block hash')
      case 'eth_getLogs':
        return getLogs(params[0])
      case 'eth_getBalance': {
        if (typeof params[0] !== 'string') return invalidParams('expected an address')
        const block = blockNumberOf(params[1] ?? 'latest')
        if (block === undefined) return headerNotFound()
        const pruned = prunedState(block)
        if (pruned) return pruned
        return rpc(toHex(chain.balanceOf(params[0])))
      }
      case 'eth_call': {
        const call = params[0] as { to?: string; data?: string; input?: string } | undefined
        if (typeof call !== 'object' || call === null) return invalidParams('expected a call object')
        const block = blockNumberOf(params[1] ?? 'latest')
        if (block === undefined) return headerNotFound()
        const pruned = prunedState(block)
        if (pruned) return pruned
        const result = chain.call(call)
        if (typeof result === 'string') return rpc(result)
        return rpcFailure({
          code: 3,
          message: result.message ?? 'execution reverted',
          ...(result.revert === '0x' ? {} : { data: result.revert }),
        })
      }
      default:
        return rpcFailure({ code: -32601, message: `the method ${method} does not exist/is not available` })
    }
  }

  function getLogs(filter: unknown): JsonRpcResponse {
    if (typeof filter !== 'object' || filter === null) return invalidParams('expected a filter object')
    const { blockHash, fromBlock, toBlock, address, topics } = filter as {
      blockHash?: string
      fromBlock?: unknown
      toBlock?: unknown
      address?: string | string[]
      topics?: (string | string[] | null)[]
    }
    const logFilter: LogFilter = {
      ...(address === undefined ? {} : { address }),
      ...(topics ? { topics } : {}),
    }
    if (blockHash !== undefined) {
      if (fromBlock !== undefined || toBlock !== undefined)
        return invalidParams('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other')
      if (blockNumberOf({ blockHash }) === undefined)
        return rpcFailure({ code: -32000, message: 'unknown block' })
      return capped(filterLogs(chain.logsOf(blockHash), logFilter))
    }
    const head = visibleHead()
    const from = rangeBound(fromBlock, head)
    const to = Math.min(rangeBound(toBlock, head), head)
    if (Number.isNaN(from) || Number.isNaN(to)) return invalidParams('invalid block number')
    // Counted as the devnet counts it: on the range asked for, before it is cut at the head.
    const { maxLogsBlockRange } = state
    const asked = rangeBound(toBlock, head) - from + 1
    if (maxLogsBlockRange !== null && asked > maxLogsBlockRange)
      return rpcFailure(logsRangeError(maxLogsBlockRange))
    return capped(from > to ? [] : chain.logsInRange(from, to, logFilter))
  }

  /** The refusal of a state read at `block` by a node that keeps only its newest `stateHistoryBlocks`. */
  function prunedState(block: number): JsonRpcResponse | undefined {
    const { stateHistoryBlocks } = state
    if (stateHistoryBlocks === null || block > visibleHead() - stateHistoryBlocks) return undefined
    const stateRoot = chain.blockByNumber(block)?.stateRoot
    return rpcFailure(missingStateError(typeof stateRoot === 'string' ? stateRoot : `0x${'0'.repeat(64)}`))
  }

  /** An `eth_getLogs` answer, or the refusal of one with more logs than `maxLogsResults`. */
  function capped(logs: readonly unknown[]): JsonRpcResponse {
    const { maxLogsResults } = state
    if (maxLogsResults !== null && logs.length > maxLogsResults)
      return rpcFailure(logsResultsError(maxLogsResults))
    return rpc(logs)
  }

  function rangeBound(tag: unknown, head: number): number {
    if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized')
      return head
    if (tag === 'earliest') return firstBlock
    if (typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag)) return Number.parseInt(tag, 16)
    return Number.NaN
  }

  const invalidParams = (message: string) =>
    rpcFailure({ code: -32602, message: `invalid argument 0: ${message}` })
  const headerNotFound = () => rpcFailure({ code: -32000, message: 'header not found' })

  /** Decides, when a call arrives, how it ends (`undefined`: it hangs) and after how long. */
  function outcomeOf(
    method: string,
    params: readonly unknown[],
  ): { settle: (() => JsonRpcResponse | Error) | undefined; delayMs: number } {
    const context = { providerId }
    const fault = plan.nextRequest(state)
    const outcome = (settle: (() => JsonRpcResponse | Error) | undefined) => ({
      settle,
      delayMs: fault.delayMs,
    })
    if (fault.kind === 'hang') return outcome(undefined)
    if (state.failNext > 0) {
      state.failNext--
      return outcome(() => new UpstreamHttpError({ ...context, status: 503 }))
    }
    switch (fault.kind) {
      case 'serverError':
        return outcome(
          () => new UpstreamHttpError({ ...context, status: INJECTED_ERRORS.serverError.status }),
        )
      case 'rateLimit': {
        const { retryAfterSeconds } = state
        const retryAfterMs = retryAfterSeconds === null ? undefined : retryAfterSeconds * 1_000
        return outcome(
          () => new RateLimitedError({ ...context, retryAfterMs, status: INJECTED_ERRORS.rateLimit.status }),
        )
      }
      case 'rpcError': {
        const { code, message } = INJECTED_ERRORS.rpcError
        return outcome(() => rpcFailure({ code, message }))
      }
      case 'malformed':
        // What the HTTP transport makes of the devnet's truncated body.
        return outcome(() => new MalformedResponseError({ ...context, reason: 'body is not JSON' }))
    }
    const { rpcError } = state
    if (rpcError && (!rpcError.methods || rpcError.methods.includes(method))) {
      const { methods: _methods, ...error } = rpcError
      return outcome(() => rpcFailure(error))
    }
    const response = answer(method, params)
    return outcome(() => response)
  }

  function request(method: string, params: unknown, { signal, timeoutMs }: UpstreamRequestOptions) {
    count(method)
    const context = { providerId }
    if (closed)
      return Promise.reject(new UpstreamUnavailableError({ ...context, reason: 'transport closed' }))
    if (signal?.aborted) return Promise.reject(new AbortedError({ ...context, cause: signal.reason }))
    if (state.mode === 'down')
      return Promise.reject(new UpstreamUnavailableError({ ...context, reason: 'connection refused' }))
    const { settle: outcome, delayMs: delay } = outcomeOf(
      method,
      Array.isArray(params) ? params : params === undefined ? [] : [params],
    )

    return new Promise<JsonRpcResponse>((resolve, reject) => {
      let timer: TimerHandle | undefined
      const settle = (run: () => void) => {
        cancel(timer)
        signal?.removeEventListener('abort', onAbort)
        inFlight.delete(fail)
        run()
      }
      const fail = (error: unknown) => settle(() => reject(error))
      const onAbort = () => fail(new AbortedError({ ...context, cause: signal?.reason }))
      const deliver = () => {
        const result = outcome!()
        settle(() => (result instanceof Error ? reject(result) : resolve(result)))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      inFlight.add(fail)
      if (!outcome || delay >= timeoutMs) {
        timer = schedule(() => fail(new UpstreamTimeoutError({ ...context, timeoutMs })), timeoutMs)
      } else if (delay > 0) {
        timer = schedule(deliver, delay)
      } else {
        queueMicrotask(() => {
          if (inFlight.has(fail)) deliver()
        })
      }
    })
  }

  // ---- pushes ------------------------------------------------------------------------------------

  /**
   * Sends `notifications` after the push delay (`wsDelayMs`), keeping the order of earlier pushes; each
   * may drop the channel instead (`wsDropRate`).
   */
  function push(subscription: MockSubscription, notifications: unknown[]): void {
    if (!notifications.length || state.mode === 'hang') return
    const dueAt = Math.max(clock.now() + plan.nextEvent(state).delayMs, lastPushDueAt)
    lastPushDueAt = dueAt
    const epoch = connectionEpoch
    const send = () => {
      for (const notification of notifications) {
        if (!subscription.active || epoch !== connectionEpoch) return
        if (plan.nextDrop(state)) return drop()
        subscription.onNotification(notification)
      }
    }
    const delay = dueAt - clock.now()
    if (delay > 0) schedule(send, delay)
    else queueMicrotask(send)
  }

  /** Brings one subscription up to this provider's head: new blocks, new branches, removed logs. */
  function sync(subscription: MockSubscription): void {
    const head = visibleHead()
    const added: MockBlock[] = []
    const replaced: string[] = []
    for (const [number, hash] of subscription.pushed) {
      // Pushed blocks above the head that the chain no longer has at that height were reorged away.
      if (number > head && chain.blockByNumber(number)?.hash !== hash) {
        replaced.push(hash)
        subscription.pushed.delete(number)
      }
    }
    for (let number = head; number >= subscription.floor; number--) {
      const block = chain.blockByNumber(number)!
      const pushedHash = subscription.pushed.get(number)
      if (pushedHash === block.hash) break
      if (pushedHash !== undefined) replaced.push(pushedHash)
      added.unshift(block)
    }
    for (const block of added) subscription.pushed.set(Number.parseInt(block.number, 16), block.hash)
    for (const number of subscription.pushed.keys()) {
      if (subscription.pushed.size <= PUSH_HISTORY) break
      subscription.pushed.delete(number)
      subscription.floor = number + 1
    }

    if (subscription.kind === 'newHeads') {
      push(
        subscription,
        added.map((block) => toHeader(structuredClone(block))),
      )
      return
    }
    const filter = subscription.kind.logs
    const removedLogs = replaced
      .map((hash) => chain.blockByHash(hash)!)
      .sort((a, b) => Number.parseInt(b.number, 16) - Number.parseInt(a.number, 16))
      .flatMap((block) => filterLogs(chain.logsOf(block.hash), filter).reverse())
      .map((log) => ({ ...log, removed: true }))
    const newLogs = added.flatMap((block) => filterLogs(chain.logsOf(block.hash), filter))
    push(subscription, structuredClone([...removedLogs, ...newLogs]))
  }

  function syncAll(): void {
    if (connection !== 'connected') return
    for (const subscription of subscriptions) sync(subscription)
  }
  const stopFollowing = chain.onChange(syncAll)

  function resume(): void {
    if (closed || connection === 'connected') return
    setConnection('connecting')
    setConnection('connected')
    for (const subscription of subscriptions) {
      // A new upstream subscription starts at the current head: whatever was missed stays missed.
      subscription.pushed.clear()
      subscription.floor = visibleHead() + 1
      subscription.hooks.onResubscribed?.()
    }
  }

  function drop(): void {
    connectionEpoch++
    setConnection('disconnected')
    lastPushDueAt = Number.NEGATIVE_INFINITY
  }

  async function subscribe(
    params: readonly unknown[],
    onNotification: (result: unknown) => void,
    hooks: UpstreamSubscribeHooks,
  ): Promise<UpstreamSubscription> {
    count('eth_subscribe')
    const context = { providerId }
    if (closed) throw new UpstreamUnavailableError({ ...context, reason: 'transport closed' })
    if (state.mode === 'down' || connection !== 'connected')
      throw new UpstreamUnavailableError({ ...context, reason: 'socket closed' })
    const kind = subscriptionKind(params)
    if (!kind) {
      const rpcError = {
        code: -32602,
        message: `invalid argument 0: unsupported subscription ${String(params[0])}`,
      }
      throw new UpstreamRpcError({ ...context, rpcError, errorClass: classifyRpcError(rpcError) })
    }
    const delay = sampleDelay(state.latencyMs, state.jitterMs, random)
    if (delay > 0) {
      // The eth_subscribe round trip; `close()` ends it like any call in flight.
      await new Promise<void>((resolve, reject) => {
        const fail = (error: unknown) => {
          inFlight.delete(fail)
          reject(error)
        }
        inFlight.add(fail)
        schedule(() => {
          inFlight.delete(fail)
          resolve()
        }, delay)
      })
    }
    const subscription: MockSubscription = {
      kind,
      onNotification,
      hooks,
      pushed: new Map(),
      floor: visibleHead() + 1,
      active: true,
    }
    subscriptions.add(subscription)
    return {
      async unsubscribe() {
        subscription.active = false
        subscriptions.delete(subscription)
      },
    }
  }

  const provider: MockProvider = {
    id: providerId,
    chain,
    request,
    set(behaviour) {
      const { errorMix, ...next } = parseOptions(behaviourSchema, behaviour, 'mock provider behaviour')
      const stallMinMs = next.stallMinMs ?? state.stallMinMs
      const stallMaxMs = next.stallMaxMs ?? state.stallMaxMs
      if (stallMinMs > stallMaxMs)
        throw new ConfigError('mock provider behaviour', [
          {
            path: next.stallMaxMs === undefined ? 'stallMinMs' : 'stallMaxMs',
            message: `stallMinMs (${stallMinMs}) exceeds stallMaxMs (${stallMaxMs})`,
          },
        ])
      const wasDown = state.mode === 'down'
      for (const [key, value] of Object.entries(next)) {
        if (value !== undefined) (state as Record<string, unknown>)[key] = value
      }
      for (const [kind, weight] of Object.entries(errorMix ?? {})) {
        if (weight !== undefined) state.errorMix[kind as keyof FaultErrorMix] = weight
      }
      const down = state.mode === 'down'
      if (down && !wasDown) drop()
      else if (!down && wasDown) resume()
      // A smaller lag reveals blocks at once, as a node catching up would announce them.
      else if (next.lagBlocks !== undefined) syncAll()
    },
    behaviour: () => ({ ...state, errorMix: { ...state.errorMix } }),
    handle(method, handler) {
      if (handler) handlers.set(method, handler)
      else handlers.delete(method)
    },
    dropSubscriptions: drop,
    reconnect() {
      if (state.mode !== 'down') resume()
    },
    connectionState: () => connection,
    head: visibleHead,
    calls: (method) =>
      method === undefined
        ? [...counts.values()].reduce((sum, value) => sum + value, 0)
        : (counts.get(method) ?? 0),
    callCounts: () => Object.fromEntries(counts),
    resetCalls: () => counts.clear(),
    activeSubscriptions: () => subscriptions.size,
    close() {
      if (closed) return
      closed = true
      stopFollowing()
      for (const handle of [...timers]) cancel(handle)
      for (const subscription of subscriptions) subscription.active = false
      subscriptions.clear()
      for (const fail of [...inFlight])
        fail(new UpstreamUnavailableError({ providerId, reason: 'transport closed' }))
    },
  }
  if (parsed.script) provider.set(parsed.script)
  if (parsed.subscriptions) {
    provider.subscribe = subscribe
    provider.onConnectionChange = (listener) => {
      connectionListeners.add(listener)
      return () => void connectionListeners.delete(listener)
    }
  }
  return provider
}

function subscriptionKind(params: readonly unknown[]): MockSubscription['kind'] | undefined {
  if (params[0] === 'newHeads') return 'newHeads'
  if (params[0] !== 'logs') return undefined
  const filter = (params[1] ?? {}) as LogFilter
  return typeof filter === 'object' && filter !== null ? { logs: filter } : undefined
}

function filterLogs(logs: readonly Log[], filter: LogFilter): Log[] {
  return logs.filter((log) => matchesLogFilter(log, filter))
}
