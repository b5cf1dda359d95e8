/**
 * `proxy-throughput`: HTTP requests/s and latency through the ChainPulse server (`/rpc/ethereum`),
 * against the same upstream called directly and through a naive Fastify + undici forwarder, all driven
 * by autocannon in one run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { cpus } from 'node:os'
import { createInterface } from 'node:readline'
import { createProviderPool } from '@chainpulse/core'
import { buildServer, createUndiciFetch } from '@chainpulse/server'
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { formatMs, formatPercent, percentile, rpcBody } from './pool-bench-kit.js'

const CONNECTIONS = 10
/**
 * Short rounds, many of them, alternating between subjects: this VM's throughput drifts by ±10 % over
 * seconds, so the verdict compares the proxy and the naive forwarder round by round (each pair measured
 * seconds apart) and takes the median of those ratios, not one total against another.
 */
const ROUNDS = 7
const ROUND_SECONDS = 2
const WARMUP_SECONDS = 0.5
/** The bar: the proxy keeps this share of the naive forwarder's throughput. */
const TARGET_SHARE = 0.85

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

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

interface Upstream {
  child: ChildProcess
  url: string
  calls(): Promise<number>
  stop(): Promise<void>
}

async function startUpstreamProcess(): Promise<Upstream> {
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

/**
 * The baseline: the smallest forwarder one would write, passing the body through as text with undici's
 * documented `request(url, { dispatcher })`. With `tuned`, it calls the agent's own
 * `request({ origin, path })` instead, as `createUndiciFetch` does: undici's top-level `request` rebuilds
 * its options with an object spread, which costs about 15 µs of CPU per call on Node 20.
 */
async function startForwarder(
  upstreamUrl: string,
  dispatcher: Agent,
  tuned: boolean,
): Promise<FastifyInstance> {
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
  return app
}

const addressOf = (app: FastifyInstance) => {
  const { port } = app.server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

interface Totals {
  completed: number
  seconds: number
  latencies: number[]
  failures: number
}

function addInto(total: Totals, round: Totals): void {
  total.completed += round.completed
  total.seconds += round.seconds
  total.failures += round.failures
  for (const latency of round.latencies) total.latencies.push(latency)
}

/** One autocannon run; every 2xx latency (ms, float: autocannon's own histogram keeps whole ms). */
function fire(url: string, body: string, seconds: number, into?: Totals): Promise<void> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration: seconds,
      },
      (error, result) => {
        if (error) return reject(error)
        if (into) {
          into.completed += result['2xx']
          into.seconds += result.duration
          into.failures += result.errors + result.timeouts + result.non2xx
          for (const latency of latencies) into.latencies.push(latency)
        }
        resolve()
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
    })
  })
}

/** Checks one answer by hand, so a subject answering errors fast cannot win. */
async function expectChainId(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const answer = (await response.json()) as { result?: unknown }
  if (response.status !== 200 || answer.result !== '0x1')
    throw new Error(`${url} answered ${response.status} ${JSON.stringify(answer)}`)
}

export const proxyThroughputSuite: BenchSuite = {
  id: 'proxy-throughput',
  title: 'Server: HTTP proxy throughput against a naive forwarder',
  async run() {
    const upstream = await startUpstreamProcess()
    // As `chainpulse serve` runs it: the pool's HTTP transport over undici's request, not global fetch.
    const upstreamFetch = createUndiciFetch()
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'upstream', chain: 'ethereum', httpUrl: `${upstream.url}/chainpulse` }],
      fetch: upstreamFetch,
      // Every client sends the same body: coalescing would fold the load into a tenth of the upstream
      // calls. This suite measures the per-request path, so each request makes its own upstream call.
      coalescing: false,
    })
    // Everything on but the per-IP rate limit, which would otherwise cap one client at 100 req/s.
    const proxy = buildServer({ pool, config: { rateLimit: false }, logger: false })
    await proxy.listen({ port: 0, host: '127.0.0.1' })
    const dispatcher = new Agent({ keepAliveTimeout: 60_000 })
    const naive = await startForwarder(`${upstream.url}/naive`, dispatcher, false)
    const tuned = await startForwarder(`${upstream.url}/tuned`, dispatcher, true)
    const body = rpcBody(1, 'eth_chainId')
    const subjects = [
      { name: 'ChainPulse proxy (/rpc/ethereum)', url: `${addressOf(proxy)}/rpc/ethereum` },
      { name: 'baseline: naive Fastify + undici forwarder', url: `${addressOf(naive)}/rpc` },
      {
        name: 'reference: the same forwarder calling the undici agent directly',
        url: `${addressOf(tuned)}/rpc`,
      },
      { name: 'upstream direct (no proxy)', url: `${upstream.url}/direct` },
    ]
    const totals: Totals[] = subjects.map(() => ({ completed: 0, seconds: 0, latencies: [], failures: 0 }))
    const upstreamCalls: number[] = subjects.map(() => 0)
    /** requests/s of each subject in each round. */
    const roundRates: number[][] = subjects.map(() => [])
    try {
      for (const subject of subjects) await expectChainId(subject.url, body)
      // Rounds alternate between subjects so drift (JIT, GC, noisy neighbours) affects all of them alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, subject] of subjects.entries()) {
          await fire(subject.url, body, WARMUP_SECONDS)
          collectGarbage()
          const before = await upstream.calls()
          const thisRound: Totals = { completed: 0, seconds: 0, latencies: [], failures: 0 }
          await fire(subject.url, body, ROUND_SECONDS, thisRound)
          upstreamCalls[index]! += (await upstream.calls()) - before
          roundRates[index]!.push(thisRound.completed / thisRound.seconds)
          addInto(totals[index]!, thisRound)
        }
      }
    } finally {
      await proxy.close()
      await pool.close()
      await upstreamFetch.close()
      await naive.close()
      await tuned.close()
      await dispatcher.close()
      await upstream.stop()
    }
    const failures = totals.reduce((sum, total) => sum + total.failures, 0)
    if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx`)

    const figures = totals.map((total) => ({
      rate: total.completed / total.seconds,
      p50: percentile(total.latencies, 50),
      p99: percentile(total.latencies, 99),
    }))
    const naiveFigures = figures[1]!
    // Each subject against the naive forwarder's round next to it; the median of those ratios.
    const sharesOfNaive = roundRates.map((rates) => rates.map((rate, round) => rate / roundRates[1]![round]!))
    const proxyShares = sharesOfNaive[0]!
    const share = percentile(proxyShares, 50)
    const rows: BenchRow[] = subjects.map((subject, index) => {
      const measured = figures[index]!
      const isBaseline = index === 1
      return {
        subject: subject.name,
        figures: {
          'requests/s': formatNumber(measured.rate),
          'vs naive (median of rounds)': formatPercent(percentile(sharesOfNaive[index]!, 50)),
          p50: formatMs(measured.p50),
          p99: formatMs(measured.p99),
          'added p50 vs naive': isBaseline ? '–' : formatMs(measured.p50 - naiveFigures.p50),
          'added p99 vs naive': isBaseline ? '–' : formatMs(measured.p99 - naiveFigures.p99),
          'upstream calls / request': formatNumber(upstreamCalls[index]! / totals[index]!.completed, 3),
        },
      }
    })
    return {
      rows,
      target: `ChainPulse proxy ≥ ${TARGET_SHARE * 100} % of the naive forwarder's requests/s (measured: median ${formatPercent(share)} over ${ROUNDS} rounds, range ${formatPercent(Math.min(...proxyShares))}–${formatPercent(Math.max(...proxyShares))})`,
      met: share >= TARGET_SHARE,
      notes: [
        `Load: autocannon (programmatic, in the benchmark process), ${CONNECTIONS} keep-alive connections, each POSTing the same JSON-RPC eth_chainId body as soon as its previous answer arrives. Per subject: ${ROUNDS} rounds of ${ROUND_SECONDS} s, each after a ${WARMUP_SECONDS} s warm-up that is not counted; rounds alternate between subjects. requests/s = 2xx answers / measured seconds over all rounds; p50/p99 over every timed 2xx answer (autocannon's per-response time, kept as float ms). One answer per subject is checked by hand (result 0x1) before the load.`,
        `Verdict: this VM's throughput drifts by ±10 % over seconds, so each round of a subject is divided by the naive forwarder's round measured seconds away, and the verdict takes the median of those ${ROUNDS} ratios ("vs naive (median of rounds)"); the target line gives their range.`,
        "Reference forwarder: the naive one, but calling the undici agent's own `request({ origin, path })` as `createUndiciFetch` does, instead of the documented top-level `request(url, { dispatcher })`, which rebuilds its options with an object spread (about 15 µs of CPU per call on Node 20). It shows what the proxy's features cost against a forwarder that also avoids that.",
        'Upstream: a minimal node:http JSON-RPC server in a child process (so its CPU is not the benchmark process’s) on 127.0.0.1, answering at once. "upstream calls / request" counts what it served during each subject’s timed rounds: 1.000 means every request went upstream (no cache answered for the proxy); the proxy’s pool also polls the head every 4 s.',
        'ChainPulse proxy: `buildServer` over `createProviderPool` with one HTTP provider and every default on (leaderboard routing, circuit breaker, benchmark store, pubsub events, Prometheus metrics, method filter, body scanning), except the per-client rate limit (`rateLimit: false`), which would cap one client IP at 100 req/s, and coalescing (`coalescing: false`): the clients all send the same body, and this suite measures what each request costs when it makes its own upstream call. Naive forwarder: Fastify (no logger) reading the body as a string and passing it to undici `request()` (keep-alive agent), returning the upstream text as is — no parsing, validation, routing or metrics.',
        `The proxy and the naive forwarder share the benchmark process (and its CPU) with autocannon, equally; the upstream has its own process. This machine has ${cpus().length} CPUs for client, server and upstream together; compare rows within one run. Absolute figures depend on the machine and its load.`,
      ],
    }
  },
}
