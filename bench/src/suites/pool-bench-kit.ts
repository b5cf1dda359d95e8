/**
 * Shared tools of the provider-pool suites (pool-overhead, fault-scenario, failover-time): a bounded
 * closed-loop load runner, percentiles and formatting. Not a suite itself.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { formatNumber } from '../suite.js'

/** What one closed-loop run measured. */
export interface LoadResult {
  /** Latency of every completed call (ms), successes and failures alike, in completion order. */
  latencies: number[]
  /** Calls that completed. */
  completed: number
  failures: number
  /** Failure messages (first line) by count. */
  errors: Map<string, number>
  elapsedMs: number
  /** Whether the deadline stopped the run before `total` calls. */
  timedOut: boolean
}

/**
 * Runs `total` calls with `concurrency` in flight (each worker starts its next call when its previous
 * one ends), or until `deadlineMs` has passed. `call(index)` gets the call's index so every call can
 * ask for something different (no client-side cache can answer it).
 */
export async function runLoad(
  call: (index: number) => Promise<unknown>,
  total: number,
  concurrency: number,
  deadlineMs = Number.POSITIVE_INFINITY,
): Promise<LoadResult> {
  const latencies: number[] = []
  const errors = new Map<string, number>()
  let next = 0
  let failures = 0
  let timedOut = false
  const start = performance.now()
  const stopAt = start + deadlineMs
  const worker = async () => {
    while (next < total) {
      if (performance.now() > stopAt) {
        timedOut = true
        return
      }
      const index = next++
      const began = performance.now()
      try {
        await call(index)
      } catch (error) {
        failures++
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
        errors.set(message, (errors.get(message) ?? 0) + 1)
      }
      latencies.push(performance.now() - began)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return {
    latencies,
    completed: latencies.length,
    failures,
    errors,
    elapsedMs: performance.now() - start,
    timedOut,
  }
}

/** Nearest-rank percentile (`p` in 0–100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Median of unsorted values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Formats milliseconds: 3 decimals below 1 ms, 2 below 10 ms, 1 below 100 ms, else whole. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '–'
  const digits = Math.abs(ms) < 1 ? 3 : Math.abs(ms) < 10 ? 2 : Math.abs(ms) < 100 ? 1 : 0
  return `${formatNumber(ms, digits)} ms`
}

/** Formats a share (0–1) as a percentage with up to 2 decimals. */
export function formatPercent(share: number): string {
  return `${formatNumber(share * 100, share === 1 || share === 0 ? 0 : 2)} %`
}

/** The most frequent failure messages, for a note. */
export function topErrors(errors: Map<string, number>, limit = 2): string {
  return [...errors.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([message, count]) => `${count}× "${message.length > 90 ? `${message.slice(0, 90)}…` : message}"`)
    .join('; ')
}

/** A JSON-RPC request body. */
export function rpcBody(id: number, method: string, params: unknown[] = []): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params })
}

/** A distinct, valid address per index: `eth_getBalance` of it is never answered from a client cache. */
export function addressFor(index: number): `0x${string}` {
  return `0x${(index + 1).toString(16).padStart(40, '0')}`
}

/** Adds one run's figures to a running total (rounds of the same subject). */
export function mergeLoad(total: LoadResult | undefined, run: LoadResult): LoadResult {
  if (!total) return { ...run, latencies: [...run.latencies], errors: new Map(run.errors) }
  total.latencies.push(...run.latencies)
  total.completed += run.completed
  total.failures += run.failures
  for (const [message, count] of run.errors)
    total.errors.set(message, (total.errors.get(message) ?? 0) + count)
  total.elapsedMs += run.elapsedMs
  total.timedOut ||= run.timedOut
  return total
}

/**
 * A JSON-RPC server on 127.0.0.1 that answers every call at once: `eth_chainId` → 0x1, anything else →
 * 0x10. The floor of an upstream: what remains in a measurement against it is the client's own cost.
 */
export async function startLoopbackUpstream(): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      calls++
      const call = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string }
      const text = JSON.stringify({
        jsonrpc: '2.0',
        id: call.id,
        result: call.method === 'eth_chainId' ? '0x1' : '0x10',
      })
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      })
      response.end(text)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}`, calls: () => calls }
}
