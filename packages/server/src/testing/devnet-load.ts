import { WebSocket } from 'ws'

// Helpers of the load tests that run the real server over a devnet in its own process: the devnet's
// simulated providers and anvil get their own event loop, as a real network would, so the server and
// the test's clients do not delay the providers' timers (and the other way round).

/** One answer as a client saw it. */
export interface TimedAnswer {
  /** The response body, exactly as received. */
  text: string
  /** HTTP status (101 for a WebSocket message). */
  status: number
  /** `x-chainpulse-provider`, `x-chainpulse-attempts` (HTTP only). */
  provider: string | undefined
  attempts: string | undefined
  /** `performance.now()` when the request was sent, and how long its answer took (ms). */
  sentAt: number
  durationMs: number
}

/** Sends one JSON-RPC body and resolves with its answer. */
export type Send = (body: string, id: number) => Promise<TimedAnswer>

/** A client of the server's `POST /rpc/...` endpoint: Node's fetch, whose connections are kept alive. */
export function httpClient(url: string): Send {
  return async (body) => {
    const sentAt = performance.now()
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await response.text()
    return {
      text,
      status: response.status,
      provider: response.headers.get('x-chainpulse-provider') ?? undefined,
      attempts: response.headers.get('x-chainpulse-attempts') ?? undefined,
      sentAt,
      durationMs: performance.now() - sentAt,
    }
  }
}

/** A client of the server's `GET /ws/rpc/...` endpoint: one connection, answers matched by numeric id. */
export interface WsClient {
  send: Send
  close(): Promise<void>
}

/**
 * Opens a WebSocket JSON-RPC client.
 *
 * @throws {Error} when the connection fails
 */
export async function wsClient(url: string): Promise<WsClient> {
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  const pending = new Map<number, (text: string) => void>()
  socket.on('message', (data) => {
    const text = String(data)
    const { id } = JSON.parse(text) as { id: unknown }
    pending.get(Number(id))?.(text)
    pending.delete(Number(id))
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  closed.then(() => {
    for (const resolve of pending.values()) resolve('connection closed')
  })
  return {
    send(body, id) {
      const sentAt = performance.now()
      return new Promise((resolve) => {
        pending.set(id, (text) =>
          resolve({
            text,
            status: 101,
            provider: undefined,
            attempts: undefined,
            sentAt,
            durationMs: performance.now() - sentAt,
          }),
        )
        socket.send(body)
      })
    },
    async close() {
      socket.close()
      await closed
    },
  }
}

/** The `p`-quantile (0–1) of `values`, nearest rank; NaN for none. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}
