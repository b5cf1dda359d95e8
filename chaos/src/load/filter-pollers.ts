import { Agent } from 'undici'
import type { Delivery, Log } from '../invariants/chain-delivery.js'
import type { RunClock } from '../record/clock.js'
import type { ClientEvent } from '../record/history.js'
import { postJsonRpc } from './http-load.js'

/** Options of {@link startFilterPoller}. */
export interface FilterPollerOptions {
  /** The server's JSON-RPC URL (`/rpc/<chain>` or `/rpc/<strategy>/<chain>`). Must be loopback. */
  url: string
  /** This client's number in the history (its request ids are `client × 1e6 + n`). */
  client: number
  /** The log filter's address (the devnet's log emitter). */
  address: string
  /** Both filters are polled once per period (the log filter first), waiting for each answer. */
  periodMs: number
  timeoutMs: number
  clock: RunClock
  phase: () => string
}

/** A client holding a log filter and a block filter on the proxy, polling both. */
export interface FilterPoller {
  readonly logFilterId: string
  readonly blockFilterId: string
  /** Every request, the filters' creation included. */
  readonly events: readonly ClientEvent[]
  /** Block hashes from the block filter and logs from the log filter, in the order the polls gave them. */
  readonly blocks: readonly Delivery<string>[]
  readonly logs: readonly Delivery<Log>[]
  /** Stops polling; resolves once the last poll has ended. */
  stop(): Promise<void>
}

const ID_STRIDE = 1_000_000

/**
 * Creates a log filter (`eth_newFilter` on `address`), then a block filter, with the same filter ids for
 * the whole run, and polls both with `eth_getFilterChanges` until stopped, keeping every change in order.
 * A failed poll is recorded and polling goes on: the same id is polled again.
 *
 * @throws {Error} when `url` is not on 127.0.0.1, or a filter cannot be created
 */
export async function startFilterPoller(options: FilterPollerOptions): Promise<FilterPoller> {
  if (new URL(options.url).hostname !== '127.0.0.1')
    throw new Error(`clients only to 127.0.0.1: ${options.url}`)
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000, pipelining: 1 })
  const events: ClientEvent[] = []
  const blocks: Delivery<string>[] = []
  const logs: Delivery<Log>[] = []
  let n = 0
  const call = async (method: string, params: readonly unknown[]) => {
    const { event, result } = await postJsonRpc({
      ...options,
      agent,
      id: options.client * ID_STRIDE + n++,
      method,
      params,
    })
    events.push(event)
    return { event, result }
  }
  const create = async (method: string, params: readonly unknown[]) => {
    const { event, result } = await call(method, params)
    if (typeof result !== 'string')
      throw new Error(`${method}: ${event.outcome} ${event.errorMessage ?? event.detail ?? ''}`)
    return result
  }
  try {
    // The log filter first: every block the block filter reports from then on has its logs reported too.
    const logFilterId = await create('eth_newFilter', [{ address: options.address }])
    const blockFilterId = await create('eth_newBlockFilter', [])
    let stopped = false
    const poll = async <T>(id: string, into: Delivery<T>[]) => {
      const { result } = await call('eth_getFilterChanges', [id])
      const at = options.clock.now()
      if (Array.isArray(result)) for (const value of result as T[]) into.push({ at, value })
    }
    const loop = async () => {
      while (!stopped) {
        const started = options.clock.now()
        await poll(logFilterId, logs)
        await poll(blockFilterId, blocks)
        const wait = options.periodMs - (options.clock.now() - started)
        if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
    const done = loop()
    let stopping: Promise<void> | undefined
    return {
      logFilterId,
      blockFilterId,
      events,
      blocks,
      logs,
      stop() {
        stopped = true
        stopping ??= done.then(() => agent.close())
        return stopping
      },
    }
  } catch (error) {
    await agent.close()
    throw error
  }
}
