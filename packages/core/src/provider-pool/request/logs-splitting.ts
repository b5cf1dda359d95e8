import { onAbort } from '../../abort/on-abort.js'
import type { Clock } from '../../clock/clock.js'
import type { ChainPulseError } from '../../errors/base-error.js'
import { AbortedError, ConfigError, UpstreamRpcError } from '../../errors/errors.js'
import type { Log } from '../../subscriptions/log-filter.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import type { PoolRequestResult } from '../types.js'

// eth_getLogs without range errors (docs/provider-pool.md, "eth_getLogs over any range"). Providers cap the
// block range of a query (Alchemy 2,000 blocks, BlockPI 1,024, …) or the number of logs in an answer
// (Infura 10,000); the pool learns each provider's block-range cap from its refusals (or its config's
// `maxLogsBlockRange`), and a range no provider serves whole is cut into chunks that fit, fetched with
// bounded concurrency and merged in order. A chunk refused for its size is halved and retried, down to
// a single block. This module holds the pure parts (reading limits from errors, cutting, merging) and the
// walk over the chunks; the pool gives it a way to route one call. It is an add-on the pool is given
// (`createLogsSplitting()`), like the response cache, so a pool without it carries none of this code.

/** Chunks of one `eth_getLogs` request in flight at once. */
export const LOGS_CHUNK_CONCURRENCY = 4

/** Options of {@link createLogsSplitting}. */
export interface LogsSplittingOptions {
  /** Chunks of one `eth_getLogs` request in flight at once. @default 4 */
  concurrency?: number
}

/**
 * eth_getLogs without range errors, for `createProviderPool({ logsSplitting })`: each provider's block-range
 * limit is learned from its refusals (or taken from its `maxLogsBlockRange`), routing prefers providers
 * whose limit admits a query's range, and a range no provider serves whole is fetched in chunks and merged
 * in order (docs/provider-pool.md). Its members are the pool's hooks, not an API of their own.
 */
export interface LogsSplitting {
  /** The providers to try for a query over `params`, those known to serve its range first. */
  providersFor(
    providers: readonly ProviderRuntime[],
    params: unknown,
    bestHead: number | undefined,
  ): readonly ProviderRuntime[]
  /** Learns from a provider's size refusal of an `eth_getLogs`. */
  learn(provider: ProviderRuntime, error: ChainPulseError): void
  /** One `eth_getLogs` through the pool, split when it must be. */
  request(input: LogsRequestInput): Promise<PoolRequestResult<Log[]>>
}

/**
 * Makes the `eth_getLogs` range splitting a pool is given as its `logsSplitting` option. `startChainPulse`
 * (the CLI's server) always gives its pool one.
 *
 * @example
 * const pool = createProviderPool({ chains, providers, logsSplitting: createLogsSplitting() })
 */
export function createLogsSplitting(options: LogsSplittingOptions = {}): LogsSplitting {
  const concurrency = options.concurrency ?? LOGS_CHUNK_CONCURRENCY
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new ConfigError('logs splitting options', [
      { path: 'concurrency', message: `expected an integer of at least 1, got ${String(concurrency)}` },
    ])
  return {
    providersFor: (providers, params, bestHead) =>
      providersForWidth(providers, logsRangeWidth(params, bestHead)),
    learn: learnLogsLimit,
    request: (input) => requestLogs({ concurrency, ...input }),
  }
}

/** What a size refusal says about the provider's limit. */
export interface LogsLimitHint {
  /** The widest block range the provider says it serves, when it names one. */
  maxBlocks?: number
  /** A range the provider suggests instead (Alchemy: "this block range should work: [0x…, 0x…]"). */
  suggested?: { from: number; to: number }
}

/** `2K` → 2000, `10,000` → 10000. */
function count(text: string): number {
  const thousands = text.endsWith('k')
  const digits = Number(text.replace(/[,k]/g, ''))
  return thousands ? digits * 1_000 : digits
}

// The stated block-range limits of real providers and clients (docs/failure-model.md, "Real errors and
// their class"), lower-cased. A result-count limit ("more than 10000 results", "response too large",
// "log response size exceeded" without a range) names no block range: halving finds what fits.
const STATED_RANGE = [
  /up to a (\d[\d,]*k?) block range/, // Alchemy
  /limited to (?:a )?(\d[\d,]*k?)(?: block)? range/, // QuickNode, BlockPI
  /blocks? distance:? (\d[\d,]*)/, // Ankr
  /maximum allowed is (\d[\d,]*) blocks/, // Nodies
  /max(?:imum)? block range:? (\d[\d,]*)/, // Reth, the devnet, "exceed maximum block range: 5000"
  /range \d+ exceeds limit of (\d[\d,]*)/, // Infura
  /ranges? over (\d[\d,]*) blocks/,
  /more than (\d[\d,]*) blocks/,
]
const SUGGESTED = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/

/**
 * What an `eth_getLogs` size refusal says about the provider's limit: the block range it names, and the
 * range it suggests, when the message has them.
 *
 * @example
 * logsLimitHint('query exceeds max block range 100000') // { maxBlocks: 100000 }
 * logsLimitHint('query returned more than 10000 results') // {}
 */
export function logsLimitHint(message: string): LogsLimitHint {
  const text = message.toLowerCase()
  const hint: LogsLimitHint = {}
  for (const pattern of STATED_RANGE) {
    const match = pattern.exec(text)
    if (match) {
      const maxBlocks = count(match[1]!)
      if (Number.isSafeInteger(maxBlocks) && maxBlocks >= 1) hint.maxBlocks = maxBlocks
      break
    }
  }
  const suggested = SUGGESTED.exec(text)
  if (suggested) {
    const from = Number.parseInt(suggested[1]!, 16)
    const to = Number.parseInt(suggested[2]!, 16)
    if (to >= from) hint.suggested = { from, to }
  }
  return hint
}

/**
 * Remembers the block-range limit a provider states in an `eth_getLogs` size refusal; a refusal that
 * names no range (a result-count cap) teaches nothing lasting.
 */
export function learnLogsLimit(provider: ProviderRuntime, error: ChainPulseError): void {
  if (!(error instanceof UpstreamRpcError)) return
  const { maxBlocks } = logsLimitHint(String(error.rpcError.message))
  if (maxBlocks !== undefined) provider.learnLogsBlockRange(maxBlocks)
}

/**
 * `[from, to]` cut into consecutive ranges of at most `maxBlocks` blocks, in order.
 *
 * @example
 * splitRange(0, 9, 4) // [[0, 3], [4, 7], [8, 9]]
 */
export function splitRange(from: number, to: number, maxBlocks: number): [number, number][] {
  const width = Math.max(1, Math.floor(maxBlocks))
  const ranges: [number, number][] = []
  for (let start = from; start <= to; start += width) ranges.push([start, Math.min(to, start + width - 1)])
  return ranges
}

/**
 * The logs of consecutive chunks as one answer: in chunk order, each log once (by block hash and log
 * index; a log two chunks both returned is kept where it first came).
 */
export function mergeLogs(chunks: readonly (readonly Log[])[]): Log[] {
  const seen = new Set<string>()
  const merged: Log[] = []
  for (const chunk of chunks)
    for (const log of chunk) {
      const key = `${log.blockHash}:${log.logIndex}`
      if (seen.has(key)) continue
      seen.add(key)
      merged.push(log)
    }
  return merged
}

/** An `eth_getLogs` filter over a block range (not a `blockHash` query), with its bounds as given. */
export interface LogsRangeQuery {
  filter: Record<string, unknown>
  fromBlock: unknown
  toBlock: unknown
}

/** The range query of `eth_getLogs` params, or `undefined` for a `blockHash` query or malformed params. */
export function logsRangeQuery(params: unknown): LogsRangeQuery | undefined {
  if (!Array.isArray(params) || params.length !== 1) return undefined
  const filter = params[0] as Record<string, unknown> | null
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return undefined
  if ('blockHash' in filter) return undefined
  return { filter, fromBlock: filter.fromBlock, toBlock: filter.toBlock }
}

/** A block bound as a number: a hex quantity, `earliest` (0), or `head` for the tip's tags. */
export function blockBound(bound: unknown, head: number | undefined): number | undefined {
  if (bound === undefined || bound === 'latest' || bound === 'pending') return head
  if (bound === 'earliest') return 0
  if (typeof bound === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(bound)) return Number.parseInt(bound, 16)
  return undefined
}

/** The width of an `eth_getLogs` range in blocks, tags read against `head`; `undefined` when unknown. */
export function logsRangeWidth(params: unknown, head: number | undefined): number | undefined {
  const query = logsRangeQuery(params)
  if (query === undefined) return undefined
  const from = blockBound(query.fromBlock, head)
  const to = blockBound(query.toBlock, head)
  return from !== undefined && to !== undefined ? to - from + 1 : undefined
}

/**
 * The widest range every provider is known to serve, when every provider has a known limit (configured
 * or learned); `undefined` when some provider's limit is unknown (it may serve anything).
 */
export function widestKnownRange(providers: readonly ProviderRuntime[]): number | undefined {
  let widest = 0
  for (const provider of providers) {
    const limit = provider.logsBlockRange
    if (limit === undefined) return undefined
    widest = Math.max(widest, limit)
  }
  return providers.length > 0 ? widest : undefined
}

/**
 * The providers whose known limit admits `width` blocks (an unknown limit admits anything); all of them
 * when none does, so the request still goes somewhere and gets a real answer.
 */
export function providersForWidth(
  providers: readonly ProviderRuntime[],
  width: number | undefined,
): readonly ProviderRuntime[] {
  if (width === undefined) return providers
  const fitting = providers.filter(
    (provider) => provider.logsBlockRange === undefined || provider.logsBlockRange >= width,
  )
  return fitting.length > 0 ? fitting : providers
}

/** Whether a routed `eth_getLogs` failed because every provider found it too large. */
export function isSizeRefusal(error: unknown): error is UpstreamRpcError {
  return error instanceof UpstreamRpcError && error.errorClass === 'request-limit'
}

/**
 * The ranges to fetch `[from, to]` in after every provider refused it for its size: chunks as wide as the
 * widest range some provider is now known to serve below its width; else the two parts the refusal's
 * suggested range makes; else its two halves.
 *
 * @example
 * narrowerRanges(0, 9, [], { rpcError: { message: 'query returned more than 10000 results' } }) // [[0, 4], [5, 9]]
 */
export function narrowerRanges(
  from: number,
  to: number,
  providers: readonly ProviderRuntime[],
  refusal: { rpcError: { message: unknown } } | undefined,
): [number, number][] {
  const width = to - from + 1
  let known = 0
  for (const provider of providers) {
    const limit = provider.logsBlockRange
    if (limit !== undefined && limit < width) known = Math.max(known, limit)
  }
  if (known > 0) return splitRange(from, to, known)
  const { suggested } = logsLimitHint(String(refusal?.rpcError.message ?? ''))
  if (suggested && suggested.from === from && suggested.to < to)
    return [
      [from, suggested.to],
      [suggested.to + 1, to],
    ]
  const middle = from + Math.floor((width - 1) / 2)
  return [
    [from, middle],
    [middle + 1, to],
  ]
}

/** What {@link requestLogs} needs from the pool. */
export interface LogsRequestInput {
  params: unknown
  /** The chain's providers, read again after each refusal for the limits it taught. */
  providers: () => readonly ProviderRuntime[]
  /** The best head the pool knows, if any: what `latest` means for every chunk. */
  bestHead: number | undefined
  /** Routes one `eth_getLogs` as a normal pool request, never split again. */
  send(params: unknown, signal: AbortSignal | undefined): Promise<PoolRequestResult<Log[]>>
  /** Any other call through the pool (resolving `safe`, `finalized`, or `latest` when no head is known). */
  call(method: string, params: unknown[], signal: AbortSignal | undefined): Promise<unknown>
  signal: AbortSignal | undefined
  clock: Clock
  /** Clock time the request started, for its `durationMs`. */
  started: number
  strategy: string
  /** Chunks in flight at once. @default LOGS_CHUNK_CONCURRENCY */
  concurrency?: number
}

/**
 * An `eth_getLogs` that never ends in a range error while some chunk of it can be served. A `blockHash`
 * query, or a range some provider may serve whole, is sent as it is (routing prefers providers whose known
 * limit admits it); when every provider refuses it for its size, or every provider is known to serve less,
 * its bounds are resolved to numbers once (so every chunk sees the same range) and it is fetched in chunks
 * ({@link fetchLogsInChunks}). The answer is what an unlimited node would give: the logs in order, each once.
 */
export async function requestLogs(input: LogsRequestInput): Promise<PoolRequestResult<Log[]>> {
  const query = logsRangeQuery(input.params)
  if (query === undefined) return input.send(input.params, input.signal)
  const width = logsRangeWidth(input.params, input.bestHead)
  const widest = widestKnownRange(input.providers())
  let refusal: UpstreamRpcError | undefined
  if (widest === undefined || width === undefined || width <= widest) {
    try {
      return await input.send(input.params, input.signal)
    } catch (error) {
      if (!isSizeRefusal(error)) throw error
      refusal = error
    }
  }
  const from = await resolveBound(query.fromBlock, input)
  const to = await resolveBound(query.toBlock, input)
  if (from === undefined || to === undefined || to < from || (refusal && from === to)) {
    // Nothing to cut: the nodes' own answer (an error for malformed bounds, [] or an error when reversed).
    if (refusal) throw refusal
    return input.send(input.params, input.signal)
  }
  const ranges =
    refusal === undefined
      ? splitRange(from, to, widest ?? to - from + 1)
      : narrowerRanges(from, to, input.providers(), refusal)
  return fetchLogsInChunks({ ...input, query, ranges })
}

async function resolveBound(bound: unknown, input: LogsRequestInput): Promise<number | undefined> {
  const known = blockBound(bound, input.bestHead)
  if (known !== undefined) return known
  if (bound === undefined || bound === 'latest' || bound === 'pending')
    return quantityOf(await input.call('eth_blockNumber', [], input.signal))
  if (bound === 'safe' || bound === 'finalized') {
    const block = await input.call('eth_getBlockByNumber', [bound, false], input.signal)
    return quantityOf((block as { number?: unknown } | null)?.number)
  }
  return undefined
}

function quantityOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(value)
    ? Number.parseInt(value, 16)
    : undefined
}

/** What {@link fetchLogsInChunks} needs. */
export interface ChunkedLogsInput extends Omit<LogsRequestInput, 'params' | 'bestHead' | 'call'> {
  query: LogsRangeQuery
  /** Consecutive ranges to fetch, in order. */
  ranges: [number, number][]
}

/**
 * Fetches consecutive ranges, at most `concurrency` at a time, and merges their logs in order without
 * duplicates. A range every provider refuses for its size is cut narrower ({@link narrowerRanges}), down
 * to a single block, whose refusal ends the request as the upstream's error. Any other error ends the
 * request at once, and the chunks still in flight are aborted.
 */
export function fetchLogsInChunks(input: ChunkedLogsInput): Promise<PoolRequestResult<Log[]>> {
  const { query, clock } = input
  const concurrency = input.concurrency ?? LOGS_CHUNK_CONCURRENCY
  const queue = [...input.ranges]
  const done = new Map<number, PoolRequestResult<Log[]>>()
  const controller = new AbortController()
  let stopForwarding = () => {}
  let active = 0
  let failed = false

  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      stopForwarding()
      controller.abort(error)
      reject(error)
    }
    if (input.signal?.aborted) return fail(new AbortedError({ cause: input.signal.reason }))
    if (input.signal)
      stopForwarding = onAbort(input.signal, () => fail(new AbortedError({ cause: input.signal?.reason })))

    const run = async (from: number, to: number) => {
      const params = [{ ...query.filter, fromBlock: toHex(from), toBlock: toHex(to) }]
      try {
        done.set(from, await input.send(params, controller.signal))
      } catch (error) {
        if (failed) return
        if (isSizeRefusal(error) && to > from)
          queue.unshift(...narrowerRanges(from, to, input.providers(), error))
        else return fail(error)
      } finally {
        active--
      }
      pump()
    }

    const pump = () => {
      if (failed) return
      while (active < concurrency && queue.length > 0) {
        const [from, to] = queue.shift()!
        active++
        void run(from, to)
      }
      if (active > 0 || queue.length > 0) return
      stopForwarding()
      const answers = [...done.entries()].sort(([a], [b]) => a - b).map(([, answer]) => answer)
      resolve({
        result: mergeLogs(answers.map((answer) => answer.result)),
        providerId: answers[0]?.providerId ?? 'none',
        strategy: input.strategy,
        attempts: answers.reduce((total, answer) => total + answer.attempts, 0),
        durationMs: clock.now() - input.started,
        chunks: answers.length,
      })
    }
    pump()
  })
}

const toHex = (value: number) => `0x${value.toString(16)}`
