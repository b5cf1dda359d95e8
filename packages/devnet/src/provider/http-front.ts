import type { IncomingMessage, ServerResponse } from 'node:http'
import { isStateRead } from '@chainpulse/core'
import type { RequestFault } from '@chainpulse/core/testing'
import { errorResponse, isJsonRpcRequest, type JsonRpcResponse } from '../rpc/json-rpc.js'
import { INJECTED_ERRORS, truncateBody } from './injected-errors.js'
import { isFilterMethod } from './node-filters.js'
import { delay, type ProviderContext } from './provider-context.js'

const MAX_BODY_BYTES = 10 * 1024 * 1024

/** An HTTP answer before it is written. */
interface Reply {
  status: number
  body: string
  headers?: Record<string, string>
}

/**
 * Creates the HTTP JSON-RPC handler of a provider: reads the body, draws the request's fault, builds
 * the answer (forwarded or injected) while the drawn latency runs, then answers no earlier than
 * arrival + latency. Hung requests are parked in `parked` until their client gives up or the provider
 * goes down.
 */
export function createHttpHandler(
  context: ProviderContext,
  parked: Set<ServerResponse>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    response.setHeader('access-control-allow-origin', '*')
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
      })
      response.end()
      return
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST, OPTIONS', 'content-type': 'text/plain' })
      response.end('JSON-RPC endpoint: POST only')
      return
    }
    readBody(request)
      .then(async (body) => {
        if (body === undefined) return write(response, { status: 413, body: 'request body too large' })
        const arrivedAt = performance.now()
        const fault = context.plan.nextRequest(context.personality())
        context.stats.requests++
        context.stats.outcomes[fault.kind]++
        if (fault.stallMs > 0 && fault.kind !== 'hang') context.stats.stalls++
        if (fault.kind === 'hang') {
          parked.add(response)
          response.once('close', () => parked.delete(response))
          return
        }
        const reply = await buildReply(context, body, fault)
        await delay(arrivedAt + fault.delayMs - performance.now())
        write(response, reply)
      })
      .catch(() => write(response, { status: 502, body: 'upstream node unavailable' }))
  }
}

async function buildReply(context: ProviderContext, body: string, fault: RequestFault): Promise<Reply> {
  const personality = context.personality()
  if (fault.kind === 'serverError') {
    return {
      status: INJECTED_ERRORS.serverError.status,
      body: INJECTED_ERRORS.serverError.message,
      headers: text(),
    }
  }
  if (fault.kind === 'rateLimit' || fault.kind === 'rpcError') {
    const injected = INJECTED_ERRORS[fault.kind]
    const headers: Record<string, string> = json()
    if (fault.kind === 'rateLimit' && personality.retryAfterSeconds !== null)
      headers['retry-after'] = String(personality.retryAfterSeconds)
    return {
      status: injected.status,
      body: errorBody(body, { code: injected.code, message: injected.message }),
      headers,
    }
  }
  const parsed = tryParse(body)
  const items = Array.isArray(parsed) ? parsed : [parsed]
  let reply: Reply
  // The body goes to the node verbatim unless this provider must look at its requests: to lag them, to
  // apply its logs range limit or state history, or to keep filters its own (see node-filters.ts).
  const inspect =
    parsed !== undefined &&
    items.length > 0 &&
    items.every(isJsonRpcRequest) &&
    (personality.lagBlocks > 0 ||
      items.some(
        (item) =>
          isFilterMethod(item.method) ||
          ((personality.maxLogsBlockRange !== null || personality.maxLogsResults !== null) &&
            item.method === 'eth_getLogs') ||
          (personality.stateHistoryBlocks !== null && isStateRead(item.method)),
      ))
  if (!inspect) {
    const relayed = await context.forwarder.raw(body)
    reply = { status: relayed.status, body: relayed.body, headers: json() }
  } else {
    const answers = await context.forwarder.requests(items, {
      lagBlocks: personality.lagBlocks,
      maxLogsBlockRange: personality.maxLogsBlockRange,
      maxLogsResults: personality.maxLogsResults,
      stateHistoryBlocks: personality.stateHistoryBlocks,
    })
    const answerBody = Array.isArray(parsed) ? JSON.stringify(answers) : JSON.stringify(answers[0] ?? '')
    reply = { status: 200, body: answerBody, headers: json() }
  }
  if (fault.kind === 'malformed') reply.body = truncateBody(reply.body)
  return reply
}

/** JSON-RPC error answer(s) mirroring the ids of the request body (one per item for a batch). */
function errorBody(body: string, error: { code: number; message: string }): string {
  const parsed = tryParse(body)
  if (Array.isArray(parsed) && parsed.length > 0) {
    return JSON.stringify(
      parsed.map((item): JsonRpcResponse => errorResponse(isJsonRpcRequest(item) ? item.id : null, error)),
    )
  }
  return JSON.stringify(errorResponse(isJsonRpcRequest(parsed) ? parsed.id : null, error))
}

function write(response: ServerResponse, reply: Reply): void {
  if (response.destroyed || response.headersSent) return
  response.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) })
  response.end(reply.body)
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.once('end', () =>
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    )
    request.once('error', reject)
  })
}

function tryParse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

const json = (): Record<string, string> => ({ 'content-type': 'application/json' })
const text = (): Record<string, string> => ({ 'content-type': 'text/plain' })
