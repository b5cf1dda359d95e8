/**
 * Shared tools of the HTTP proxy suites (proxy-throughput, read-mix): the baseline forwarders a proxy is
 * measured against, and one autocannon round. Not a suite itself.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type Agent as HttpAgent, request as httpRequest, Agent as NodeAgent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { createProviderPool } from '@chainpulse/core'
import { buildServer, createUndiciFetch } from '@chainpulse/server'
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import { type Agent, request } from 'undici'

/**
 * The proxy under test of the uncached-throughput load, as `chainpulse serve` runs it over one HTTP
 * provider at `upstreamUrl`: the pool's HTTP transport over the server's undici fetch, every default on
 * but the per-IP rate limit, which would otherwise cap one client at 100 req/s. Its `url` is the
 * `/rpc/ethereum` endpoint.
 */
export async function startProxyUnderTest(upstreamUrl: string): Promise<Forwarder> {
  const upstreamFetch = createUndiciFetch()
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'upstream', chain: 'ethereum', httpUrl: upstreamUrl }],
    fetch: upstreamFetch,
  })
  const proxy = buildServer({ pool, config: { rateLimit: false }, logger: false })
  await proxy.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: `${addressOf(proxy)}/rpc/ethereum`,
    async close() {
      await proxy.close()
      await pool.close()
      await upstreamFetch.close()
    },
  }
}

/** A listening baseline forwarder. */
export interface Forwarder {
  /** Where clients POST, e.g. `http://127.0.0.1:1234/rpc`. */
  url: string
  close(): Promise<void>
}

/**
 * The naive baseline: the smallest forwarder one would write with Fastify, passing the body through as
 * text with undici's documented `request(url, { dispatcher })`. With `tuned`, it calls the agent's own
 * `request({ origin, path })` instead, as `createUndiciFetch` does: undici's top-level `request`
 * rebuilds its options with an object spread, which costs about 15 µs of CPU per call on Node 20.
 */
export async function startNaiveForwarder(
  upstreamUrl: string,
  dispatcher: Agent,
  tuned = false,
): Promise<Forwarder> {
  const app = Fastify({ logger: false })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )
  const { origin, pathname } = new URL(upstreamUrl)
  const headers = { 'content-type': 'application/json' }
  app.post('/rpc', async (incoming, reply) => {
    const { statusCode, body } = tuned
      ? await dispatcher.request({
          origin,
          path: pathname,
          method: 'POST',
          headers,
          body: incoming.body as string,
        })
      : await request(upstreamUrl, { method: 'POST', headers, body: incoming.body as string, dispatcher })
    reply.code(statusCode).header('content-type', 'application/json')
    return body.text()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `${addressOf(app)}/rpc`, close: () => app.close() }
}

/**
 * The physical reference: a forwarder on bare `node:http`, no framework, no parsing: it reads the body,
 * POSTs it upstream over a keep-alive `http.Agent` and writes the upstream's bytes back. What a Node
 * process pays per proxied request before any feature.
 */
export async function startBareForwarder(upstreamUrl: string): Promise<Forwarder> {
  const { hostname, port, pathname } = new URL(upstreamUrl)
  const agent: HttpAgent = new NodeAgent({ keepAlive: true, maxSockets: 256 })
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      const call = httpRequest(
        {
          host: hostname,
          port,
          path: pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (chunk: Buffer) => parts.push(chunk))
          answer.on('end', () => {
            const text = Buffer.concat(parts)
            outgoing.writeHead(answer.statusCode ?? 502, {
              'content-type': 'application/json',
              'content-length': text.length,
            })
            outgoing.end(text)
          })
        },
      )
      call.on('error', () => {
        outgoing.writeHead(502)
        outgoing.end()
      })
      call.end(body)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: own } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${own}/rpc`,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      agent.destroy()
    },
  }
}

/** `http://127.0.0.1:<port>` of a listening Fastify app. */
export function addressOf(app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

/** What timed rounds of one subject measured, summed. */
export interface Totals {
  completed: number
  seconds: number
  /** Every 2xx answer's time (ms, float: autocannon's own histogram keeps whole ms). */
  latencies: number[]
  /** Errors, timeouts and non-2xx answers. */
  failures: number
  /** 2xx answers' times by the label `label` gave them (read-mix: the `x-chainpulse-cache` header). */
  labelled: Map<string, number[]>
}

export function emptyTotals(): Totals {
  return { completed: 0, seconds: 0, latencies: [], failures: 0, labelled: new Map() }
}

/** Adds one round's figures to a running total. */
export function addInto(total: Totals, round: Totals): void {
  total.completed += round.completed
  total.seconds += round.seconds
  total.failures += round.failures
  for (const latency of round.latencies) total.latencies.push(latency)
  for (const [label, latencies] of round.labelled) {
    const into = total.labelled.get(label) ?? []
    for (const latency of latencies) into.push(latency)
    total.labelled.set(label, into)
  }
}

/** One autocannon run: a fixed body, or a new one per request from `nextBody`. */
export interface FireOptions {
  url: string
  connections: number
  seconds: number
  body?: string
  nextBody?: () => string
  /**
   * Labels a 2xx answer from its body and headers (lowercased names); its time is then kept under that
   * label too. Having it makes autocannon keep every answer's body.
   */
  label?: (body: string, headers: Record<string, string>) => string
}

/** Runs autocannon once; adds to `into` when given (a warm-up passes none). */
export function fire(options: FireOptions, into?: Totals): Promise<void> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    const labelled = new Map<string, number[]>()
    // autocannon calls a request's onResponse right before it emits that answer's `response` event,
    // in the same tick: the label waits here for the time.
    let pendingLabel: string | undefined
    const { label, nextBody } = options
    const request: autocannon.Request = { method: 'POST' }
    if (nextBody) request.setupRequest = (template) => ({ ...template, body: nextBody() })
    if (label)
      request.onResponse = (status, body, _context, headers) => {
        pendingLabel = status >= 200 && status < 300 ? label(body, lowerCased({ ...headers })) : undefined
      }
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(nextBody || label ? { requests: [request] } : {}),
        connections: options.connections,
        duration: options.seconds,
      },
      (error, result) => {
        if (error) return reject(error)
        if (into) {
          into.completed += result['2xx']
          into.seconds += result.duration
          into.failures += result.errors + result.timeouts + result.non2xx
          for (const latency of latencies) into.latencies.push(latency)
          addInto(into, { ...emptyTotals(), labelled })
        }
        resolve()
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return
      latencies.push(responseTime)
      if (pendingLabel === undefined) return
      const list = labelled.get(pendingLabel) ?? []
      list.push(responseTime)
      labelled.set(pendingLabel, list)
      pendingLabel = undefined
    })
  })
}

function lowerCased(headers: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = String(value)
  return result
}

/**
 * The upstream, run in a child process so its CPU is not the benchmark process's: a node:http JSON-RPC
 * server answering every POST at once (`eth_chainId` → 0x1, else 0x10) and `GET /calls` with its count.
 */
const UPSTREAM_SOURCE = `
const http = require('node:http')
let calls = 0
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify({ calls }))
  }
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    calls++
    const call = JSON.parse(Buffer.concat(chunks).toString())
    const text = JSON.stringify({ jsonrpc: '2.0', id: call.id, result: call.method === 'eth_chainId' ? '0x1' : '0x10' })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  })
})
server.keepAliveTimeout = 60000
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
`

/** The upstream process of {@link startUpstreamProcess}. */
export interface Upstream {
  child: ChildProcess
  url: string
  calls(): Promise<number>
  stop(): Promise<void>
}

export async function startUpstreamProcess(): Promise<Upstream> {
  const child = spawn(process.execPath, ['-e', UPSTREAM_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`upstream process exited with ${code}`)))
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port))
  })
  const url = `http://127.0.0.1:${port}`
  return {
    child,
    url,
    async calls() {
      const response = await fetch(`${url}/calls`)
      return ((await response.json()) as { calls: number }).calls
    },
    async stop() {
      lines.close()
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.stdin?.end()
      await exited
    },
  }
}
