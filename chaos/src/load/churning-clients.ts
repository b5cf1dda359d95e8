import { connectWs, type TestWsClient } from '@chainpulse/devnet/testing'
import { Agent } from 'undici'
import type { RunClock } from '../record/clock.js'
import type { ClientEvent } from '../record/history.js'
import { postJsonRpc } from './http-load.js'

/** Options shared by the churning clients. */
interface ChurnOptions {
  /** Clients alive at once; each, when its lifetime ends, is replaced by a new one. */
  clients: number
  /** How long each client lives (its subscriptions or filters with it). */
  lifetimeMs: number
  clock: RunClock
  /** Nothing new starts after this time on `clock`; clients alive then end at once. */
  stopAtMs: number
}

/** Options of {@link startChurningSubscribers}. */
export interface ChurningSubscribersOptions extends ChurnOptions {
  /** The server's WebSocket JSON-RPC URL (`ws://127.0.0.1:…/ws/rpc/<chain>`). */
  url: string
}

/** WebSocket subscribers coming and going: what they saw, and how to stop them. */
export interface ChurningSubscribers {
  /** Connections made, heads received, subscriptions ended with `eth_unsubscribe` (the rest by closing). */
  readonly counts: { connections: number; heads: number; unsubscribed: number }
  /** What went wrong: a failed connect or subscribe, a close the client did not ask for, a lifetime without heads. */
  readonly failures: readonly string[]
  stop(): Promise<void>
}

/** No call of a churning client waits longer than this for its answer. */
const CALL_TIMEOUT_MS = 15_000

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Starts WebSocket clients that each connect, subscribe to `newHeads` and to all logs, live for
 * `lifetimeMs`, then leave: every other one unsubscribes first, the rest just close their socket (as a
 * tab that is closed does). A new client takes each one's place until `stopAtMs`. A client that lives
 * `minHeadsAfterMs` or longer must have received a head.
 *
 * @throws {Error} when `url` is not on 127.0.0.1
 */
export function startChurningSubscribers(
  options: ChurningSubscribersOptions & { minHeadsAfterMs: number },
): ChurningSubscribers {
  if (new URL(options.url).hostname !== '127.0.0.1')
    throw new Error(`clients only to 127.0.0.1: ${options.url}`)
  const counts = { connections: 0, heads: 0, unsubscribed: 0 }
  const failures: string[] = []
  const live = new Set<TestWsClient>()
  let stopped = false
  const running = () => !stopped && options.clock.now() < options.stopAtMs
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (!running()) {
          clearInterval(timer)
          resolve()
        }
      }, 100)
      setTimeout(() => {
        clearInterval(timer)
        resolve()
      }, ms)
    })

  const life = async (slot: number, n: number) => {
    const name = `subscriber ${slot}.${n}`
    let client: TestWsClient
    try {
      client = await within(connectWs(options.url), `${name} connect`)
    } catch (error) {
      failures.push(`${name}: ${String(error)}`)
      return
    }
    counts.connections++
    live.add(client)
    let leaving = false
    void client.closed.then((code) => {
      if (!leaving)
        failures.push(`${name}: closed by the server (${code}) at ${Math.round(options.clock.now())} ms`)
    })
    try {
      const bornAt = options.clock.now()
      const ids = [
        await within(client.subscribe(['newHeads']), `${name} eth_subscribe newHeads`),
        await within(client.subscribe(['logs', {}]), `${name} eth_subscribe logs`),
      ]
      await sleep(options.lifetimeMs)
      const heads = client.notifications.get(ids[0]!)?.length ?? 0
      counts.heads += heads
      const livedMs = options.clock.now() - bornAt
      if (heads === 0 && livedMs >= options.minHeadsAfterMs)
        failures.push(`${name}: no head in ${Math.round(livedMs)} ms`)
      if (n % 2 === 1 && client.socket.readyState === client.socket.OPEN) {
        for (const id of ids) {
          const answer = await within(client.request('eth_unsubscribe', [id]), `${name} eth_unsubscribe`)
          if (answer.result !== true)
            failures.push(`${name}: eth_unsubscribe ${id} answered ${JSON.stringify(answer)}`)
        }
        counts.unsubscribed++
      }
    } catch (error) {
      failures.push(`${name}: ${String(error)}`)
    } finally {
      leaving = true
      await client.close()
      live.delete(client)
    }
  }
  const slot = async (index: number) => {
    // Staggered, so that clients leave and arrive at different moments.
    await sleep((options.lifetimeMs * index) / options.clients)
    for (let n = 0; running(); n++) await life(index, n)
  }
  const done = Promise.all(Array.from({ length: options.clients }, (_, index) => slot(index)))
  return {
    counts,
    failures,
    async stop() {
      stopped = true
      await done
    },
  }
}

/** Options of {@link startChurningFilters}. */
export interface ChurningFiltersOptions extends ChurnOptions {
  /** The server's JSON-RPC URL. */
  url: string
  /** Client numbers start here in the history (a client's ids are `client × 1e6 + n`). */
  firstClient: number
  /** Each live client polls both its filters this often. */
  pollMs: number
  timeoutMs: number
  phase: () => string
}

/** Filter clients coming and going: every call they made, and how to stop them. */
export interface ChurningFilters {
  /** Every call: creations, polls, uninstalls. An uninstall answered `false` is recorded as an error. */
  readonly events: readonly ClientEvent[]
  readonly counts: { filters: number; uninstalled: number }
  stop(): Promise<void>
}

/**
 * Starts HTTP clients that each create a log filter and a block filter, poll both for `lifetimeMs`,
 * then uninstall both (which must answer `true`); a new client takes each one's place until `stopAtMs`.
 *
 * @throws {Error} when `url` is not on 127.0.0.1
 */
export function startChurningFilters(options: ChurningFiltersOptions): ChurningFilters {
  if (new URL(options.url).hostname !== '127.0.0.1')
    throw new Error(`clients only to 127.0.0.1: ${options.url}`)
  const agent = new Agent({ connections: options.clients, keepAliveTimeout: 30_000, pipelining: 1 })
  const events: ClientEvent[] = []
  const counts = { filters: 0, uninstalled: 0 }
  let stopped = false
  const running = () => !stopped && options.clock.now() < options.stopAtMs
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  const slot = async (index: number) => {
    const client = options.firstClient + index
    let n = 0
    const call = async (method: string, params: readonly unknown[]) => {
      const { event, result } = await postJsonRpc({
        ...options,
        agent,
        client,
        id: client * 1_000_000 + n++,
        method,
        params,
      })
      events.push(event)
      return { event, result }
    }
    await sleep((options.lifetimeMs * index) / options.clients)
    while (running()) {
      const ids: string[] = []
      for (const [method, params] of [
        ['eth_newFilter', [{}]],
        ['eth_newBlockFilter', []],
      ] as const) {
        const { result } = await call(method, params)
        if (typeof result === 'string') ids.push(result)
      }
      counts.filters += ids.length
      const until = options.clock.now() + options.lifetimeMs
      while (running() && options.clock.now() < until) {
        for (const id of ids) await call('eth_getFilterChanges', [id])
        await sleep(options.pollMs)
      }
      for (const id of ids) {
        const { event, result } = await call('eth_uninstallFilter', [id])
        if (event.outcome === 'result' && result !== true) {
          event.outcome = 'rpc-error'
          event.detail = `eth_uninstallFilter ${id} answered ${JSON.stringify(result)}`
        } else if (result === true) counts.uninstalled++
      }
    }
  }
  const done = Promise.all(Array.from({ length: options.clients }, (_, index) => slot(index))).then(() =>
    agent.close(),
  )
  return {
    events,
    counts,
    async stop() {
      stopped = true
      await done
    },
  }
}
