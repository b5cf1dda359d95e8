import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import type { RunClock } from '../record/clock.js'
import type { UpstreamEvent } from '../record/history.js'
import { type FrontFault, seededRandom, WRONG_CHAIN_ID } from './hostile-faults.js'

/** Options of {@link startUpstreamFront}. */
export interface UpstreamFrontOptions {
  /** The provider id the pool knows the front by (recorded with each request). */
  id: string
  /** The devnet provider's HTTP URL the front forwards to. */
  target: string
  clock: RunClock
  /** Where every received request goes. */
  record: (event: UpstreamEvent) => void
  /** Seed of the hostile fault draws. @default 1 */
  seed?: number
}

/**
 * A recording HTTP front on 127.0.0.1 in front of one devnet provider: the pool talks to it instead of
 * the provider, so every request that reaches the provider (probes included) is recorded with what it
 * was answered with. It can also inject the {@link HostileFault}s the devnet lacks.
 */
export interface UpstreamFront {
  readonly url: string
  /** Sets (or, with undefined, clears) the hostile fault. */
  setFault(fault: FrontFault | undefined): void
  close(): Promise<void>
}

/** Path a `redirect` fault points to; any request reaching it means a client followed a redirect. */
const REDIRECT_PATH = '/moved'

/**
 * Starts a recording front. The faults the devnet injects itself are recognised in its answers (503,
 * 429, an unparseable body, JSON-RPC -32603, no answer, a refused connection) and recorded as such.
 *
 * @example
 * const front = await startUpstreamFront({ id: 'ethereum-alpha', target: provider.httpUrl, clock, record })
 * front.setFault({ fault: 'empty200', rate: 0.5 })
 */
export async function startUpstreamFront(options: UpstreamFrontOptions): Promise<UpstreamFront> {
  const agent = new Agent({ keepAliveTimeout: 30_000 })
  const random = seededRandom(options.seed ?? 1)
  let current: FrontFault | undefined
  // Stamped with the request's arrival, not its end: a hung request ends only when the pool gives up.
  const record = (at: number, methods: readonly string[], fault: string) => {
    for (const method of methods)
      options.record({ at, kind: 'received', providerId: options.id, method, fault })
  }

  const server = createServer((req, res) => {
    readAll(req).then(
      (body) => handle(req, res, body),
      () => res.destroy(),
    )
  })
  let url = ''

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const arrivedAt = options.clock.now()
    const methods = methodsOf(body)
    if (req.url === REDIRECT_PATH) {
      record(arrivedAt, methods, 'redirectFollowed')
      return reply(res, 200, '{"jsonrpc":"2.0","id":null,"result":"0x0"}')
    }
    const fault = current && random() < current.rate ? current.fault : undefined
    if (fault === 'nonJson200') {
      record(arrivedAt, methods, fault)
      return reply(res, 200, '<html><body>502 Bad Gateway</body></html>', 'text/html')
    }
    if (fault === 'empty200') {
      record(arrivedAt, methods, fault)
      return reply(res, 200, '')
    }
    if (fault === 'redirect') {
      record(arrivedAt, methods, fault)
      res.writeHead(302, { location: `${url}${REDIRECT_PATH}`, 'content-length': 0 })
      return res.end()
    }
    if (fault === 'wrongChainId' && methods.length === 1 && methods[0] === 'eth_chainId') {
      record(arrivedAt, methods, fault)
      const id = idOf(body)
      return reply(res, 200, JSON.stringify({ jsonrpc: '2.0', id, result: WRONG_CHAIN_ID }))
    }
    // Forward, and abort the forwarded request when the pool gives up on this one (a hung provider).
    const abort = new AbortController()
    res.once('close', () => abort.abort())
    try {
      const answer = await request(options.target, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
        signal: abort.signal,
      })
      const text = await answer.body.text()
      record(arrivedAt, methods, recognise(answer.statusCode, text))
      const headers: Record<string, string> = {}
      const retryAfter = answer.headers['retry-after']
      if (typeof retryAfter === 'string') headers['retry-after'] = retryAfter
      reply(
        res,
        answer.statusCode,
        text,
        String(answer.headers['content-type'] ?? 'application/json'),
        headers,
      )
    } catch (error) {
      // A refused connection stays a dead connection to the pool: reset it rather than answer.
      record(arrivedAt, methods, abort.signal.aborted ? 'hang' : 'down')
      if (!abort.signal.aborted) void error
      res.destroy()
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    setFault(fault) {
      current = fault
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await agent.close()
    },
  }
}

/** Names the devnet fault an answer shows, or `none`. */
export function recognise(status: number, text: string): string {
  if (status === 503) return 'serverError'
  if (status === 429) return 'rateLimit'
  if (status !== 200) return `http${status}`
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return 'malformed'
  }
  const items = Array.isArray(body) ? body : [body]
  if (items.some((item) => (item as { error?: { code?: number } })?.error?.code === -32603)) return 'rpcError'
  return 'none'
}

/** The methods of a JSON-RPC body (each of a batch); `unparseable` for anything else. */
export function methodsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as unknown
    const items = Array.isArray(parsed) ? parsed : [parsed]
    return items.map((item) => String((item as { method?: unknown })?.method ?? 'unknown'))
  } catch {
    return ['unparseable']
  }
}

function idOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { id?: unknown }).id ?? null
  } catch {
    return null
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}
