import { Agent, request } from 'undici'
import type { RunClock } from '../record/clock.js'
import type { ClientEvent } from '../record/history.js'
import { classifyAnswer } from './classify.js'

/** One JSON-RPC call a client may send. */
export type Call = readonly [method: string, params: readonly unknown[]]

/** Options of {@link startHttpLoad}. */
export interface HttpLoadOptions {
  /** The server's JSON-RPC URL, e.g. `http://127.0.0.1:4000/rpc/ethereum`. Must be loopback. */
  url: string
  /** Concurrent clients, each with its own keep-alive connection. */
  clients: number
  /** Each client sends one request per period (waiting for the answer first). */
  periodMs: number
  /** The calls, sent in rotation (offset by client number so every method is in flight at once). */
  calls: readonly Call[]
  /** A request without an answer after this long is recorded as `timeout` (it hung). */
  timeoutMs: number
  /** Stamps every event. */
  clock: RunClock
  /** The scenario's phase now, recorded with each request. */
  phase: () => string
  /** Hard stop: no request is sent after this time on `clock`, so the load always ends by itself. */
  stopAtMs: number
  /** While this returns true, clients send nothing (they check every 20 ms). @default never */
  holdWhile?: () => boolean
}

/** A running load: its history so far, and how to stop it. */
export interface HttpLoad {
  readonly events: readonly ClientEvent[]
  /** Stops sending and resolves once every client's last request has ended. */
  stop(): Promise<void>
  /** Resolves when the load has ended (by `stop()` or `stopAtMs`). */
  readonly done: Promise<void>
}

/** Client ids are `client × 1e6 + n`: unique across the run, and they say who sent them. */
const ID_STRIDE = 1_000_000

/**
 * Starts bounded HTTP load from real clients on loopback: each client sends a request, waits for its
 * answer, then waits out the rest of its period. Every request is recorded, whatever became of it.
 *
 * @throws {Error} when `url` is not on 127.0.0.1 (the suite never sends load elsewhere)
 * @example
 * const load = startHttpLoad({ url, clients: 10, periodMs: 100, calls, timeoutMs: 20_000, clock, phase: () => 'baseline', stopAtMs: 15_000 })
 * await load.done
 */
export function startHttpLoad(options: HttpLoadOptions): HttpLoad {
  if (new URL(options.url).hostname !== '127.0.0.1') throw new Error(`load only to 127.0.0.1: ${options.url}`)
  const events: ClientEvent[] = []
  // One connection per client, kept alive, as a wallet or indexer holds one.
  const agent = new Agent({ connections: options.clients, keepAliveTimeout: 30_000, pipelining: 1 })
  let stopped = false
  const running = () => !stopped && options.clock.now() < options.stopAtMs

  const client = async (index: number) => {
    for (let n = 0; running(); n++) {
      while (options.holdWhile?.() && running()) await new Promise((resolve) => setTimeout(resolve, 20))
      if (!running()) break
      const [method, params] = options.calls[(index + n) % options.calls.length]!
      const id = index * ID_STRIDE + n
      const { event } = await postJsonRpc({ ...options, agent, client: index, id, method, params })
      events.push(event)
      const wait = options.periodMs - event.durationMs
      if (wait > 0 && running()) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
  const done = Promise.all(Array.from({ length: options.clients }, (_, index) => client(index))).then(() =>
    agent.close(),
  )
  return {
    events,
    done,
    async stop() {
      stopped = true
      await done
    },
  }
}

/** Options of {@link postJsonRpc}. */
export interface PostJsonRpcOptions {
  url: string
  agent: Agent
  client: number
  id: number
  method: string
  params: readonly unknown[]
  timeoutMs: number
  clock: RunClock
  phase: () => string
}

/**
 * Sends one JSON-RPC request over `agent` and records it as a {@link ClientEvent}, whatever became of
 * it; `result` is the answer's `result` when there was one (a filter poller reads what it was given).
 */
export async function postJsonRpc(
  options: PostJsonRpcOptions,
): Promise<{ event: ClientEvent; result?: unknown }> {
  const { client, id, method, params } = options
  const phase = options.phase()
  const sentAt = options.clock.now()
  const base = { client, id, method, phase, sentAt }
  try {
    const response = await request(options.url, {
      method: 'POST',
      dispatcher: options.agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    const text = await response.body.text()
    const provider = response.headers['x-chainpulse-provider']
    const event: ClientEvent = {
      ...base,
      durationMs: options.clock.now() - sentAt,
      status: response.statusCode,
      ...(typeof provider === 'string' ? { provider } : {}),
      ...classifyAnswer(response.statusCode, text),
    }
    return event.outcome === 'result'
      ? { event, result: (JSON.parse(text) as { result: unknown }).result }
      : { event }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    return {
      event: {
        ...base,
        durationMs: options.clock.now() - sentAt,
        status: 0,
        outcome: timedOut ? 'timeout' : 'transport-error',
        detail: String(error),
      },
    }
  }
}
