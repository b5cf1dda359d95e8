import { Agent, request } from 'undici'
import type { RunClock } from '../record/clock.js'
import type { ClientEvent } from '../record/history.js'
import type { Call } from './http-load.js'

/** Options of {@link startBatchLoad}. */
export interface BatchLoadOptions {
  /** The server's JSON-RPC URL. Must be loopback. */
  url: string
  /** This client's number in the history (its batch ids are `client × 1e6 + n`). */
  client: number
  /** Calls per batch, taken from `calls` in rotation. */
  batchSize: number
  /** One batch per period, waiting for its answer first. */
  periodMs: number
  calls: readonly Call[]
  timeoutMs: number
  clock: RunClock
  phase: () => string
  /** No batch is sent after this time on `clock`. */
  stopAtMs: number
}

/** A running batch client: its history so far, and how to stop it. */
export interface BatchLoad {
  /** One event per batch: `result` only when every call in it got a `result` with its own id. */
  readonly events: readonly ClientEvent[]
  stop(): Promise<void>
}

const ID_STRIDE = 1_000_000

/**
 * Starts one client sending JSON-RPC batches over a keep-alive connection. Each batch is recorded as one
 * {@link ClientEvent} (method `batch×N`, id: its first call's): `result` when every answer has a result
 * and the answers' ids are exactly the calls' ids; otherwise the first failing answer's outcome.
 *
 * @throws {Error} when `url` is not on 127.0.0.1
 */
export function startBatchLoad(options: BatchLoadOptions): BatchLoad {
  if (new URL(options.url).hostname !== '127.0.0.1') throw new Error(`load only to 127.0.0.1: ${options.url}`)
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000, pipelining: 1 })
  const events: ClientEvent[] = []
  let stopped = false
  const running = () => !stopped && options.clock.now() < options.stopAtMs
  const loop = async () => {
    for (let n = 0; running(); n++) {
      const ids = Array.from(
        { length: options.batchSize },
        (_, k) => options.client * ID_STRIDE + n * options.batchSize + k,
      )
      const body = ids.map((id, k) => {
        const [method, params] = options.calls[(n + k) % options.calls.length]!
        return { jsonrpc: '2.0', id, method, params }
      })
      const event = await sendBatch(options, agent, ids, JSON.stringify(body))
      events.push(event)
      const wait = options.periodMs - event.durationMs
      if (wait > 0 && running()) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
  const done = loop().then(() => agent.close())
  return {
    events,
    async stop() {
      stopped = true
      await done
    },
  }
}

async function sendBatch(
  options: BatchLoadOptions,
  agent: Agent,
  ids: readonly number[],
  body: string,
): Promise<ClientEvent> {
  const sentAt = options.clock.now()
  const base = {
    client: options.client,
    id: ids[0]!,
    method: `batch×${ids.length}`,
    phase: options.phase(),
    sentAt,
  }
  try {
    const response = await request(options.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    const text = await response.body.text()
    const durationMs = options.clock.now() - sentAt
    const status = response.statusCode
    let answers: unknown
    try {
      answers = JSON.parse(text)
    } catch {
      answers = undefined
    }
    if (!Array.isArray(answers) || answers.length !== ids.length)
      return {
        ...base,
        durationMs,
        status,
        outcome: 'unparseable',
        detail: `HTTP ${status}: ${text.slice(0, 120)}`,
      }
    const byId = new Map((answers as { id?: unknown }[]).map((answer) => [answer.id, answer]))
    for (const id of ids) {
      const answer = byId.get(id) as
        | { result?: unknown; error?: { code?: number; message?: string } }
        | undefined
      if (answer === undefined)
        return {
          ...base,
          durationMs,
          status,
          outcome: 'rpc-error',
          answerId: null,
          detail: `no answer with id ${id}`,
        }
      if (!('result' in answer) || status !== 200) {
        const { code, message } = answer.error ?? {}
        return {
          ...base,
          durationMs,
          status,
          outcome: 'rpc-error',
          answerId: ids[0],
          ...(code === undefined ? {} : { errorCode: code }),
          ...(message === undefined ? {} : { errorMessage: message }),
          detail: `call id ${id}`,
        }
      }
    }
    return { ...base, durationMs, status, outcome: 'result', answerId: ids[0] }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    return {
      ...base,
      durationMs: options.clock.now() - sentAt,
      status: 0,
      outcome: timedOut ? 'timeout' : 'transport-error',
      detail: String(error),
    }
  }
}
