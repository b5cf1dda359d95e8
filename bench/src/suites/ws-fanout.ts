/**
 * `ws-fanout`: how long after the first upstream copy of a block every one of 1,000 WebSocket clients
 * subscribed to `newHeads` on `/ws/rpc/ethereum` receives it.
 */
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { createProviderPool } from '@chainpulse/core'
import { createMockChain, createMockProvider } from '@chainpulse/core/testing'
import { buildServer } from '@chainpulse/server'
import { type BenchSuite, formatNumber } from '../suite.js'
import { formatMs, percentile } from './pool-bench-kit.js'

const CLIENTS = 1_000
/** Clients opening at once while connecting, so the accept backlog never overflows. */
const CONNECT_BATCH = 100
const BLOCK_INTERVAL_MS = 200
/** Blocks mined before measuring (JIT, first allocations); their deliveries are not counted. */
const WARMUP_BLOCKS = 3
const BLOCKS = 20
/** The bar: p99 delivery latency over all clients × blocks. */
const TARGET_P99_MS = 10

/**
 * The clients, run in a worker thread (CommonJS, evaluated) so their frame handling has its own event
 * loop and CPU: it connects and subscribes them, records each notification's block number and arrival
 * time (`timeOrigin + now`, comparable across threads), and on 'close' closes every socket and posts
 * what it recorded.
 */
const CLIENT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const WebSocket = require(workerData.wsPath)
const { url, clients, batch } = workerData
const pattern = /"number":"0x([0-9a-f]+)"/
const numbers = []
const times = []
const sockets = []
function open() {
  const socket = new WebSocket(url)
  sockets.push(socket)
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.once('open', () => socket.send('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}'))
    socket.on('message', (data) => {
      const at = performance.timeOrigin + performance.now()
      const text = data.toString()
      if (text.includes('"eth_subscription"')) {
        const match = pattern.exec(text)
        if (match) { numbers.push(Number.parseInt(match[1], 16)); times.push(at) }
        return
      }
      const answer = JSON.parse(text)
      if (answer.id === 1 && typeof answer.result === 'string') resolve()
      else reject(new Error('eth_subscribe answered ' + text))
    })
  })
}
async function main() {
  const started = performance.now()
  for (let start = 0; start < clients; start += batch) {
    const opening = []
    for (let index = start; index < Math.min(clients, start + batch); index++) opening.push(open())
    await Promise.all(opening)
  }
  parentPort.postMessage({ type: 'ready', connectMs: performance.now() - started })
}
parentPort.on('message', async () => {
  await Promise.all(sockets.map((socket) => socket.readyState === WebSocket.CLOSED ? undefined
    : new Promise((resolve) => { socket.once('close', resolve); socket.close() })))
  parentPort.postMessage({ type: 'done', numbers, times })
})
main().catch((error) => parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }))
`

type WorkerReport =
  | { type: 'ready'; connectMs: number }
  | { type: 'done'; numbers: number[]; times: number[] }
  | { type: 'error'; message: string }

/** Waits for the worker's next report of `type`; an error report or a worker crash rejects. */
function nextReport<T extends WorkerReport['type']>(
  worker: Worker,
  type: T,
): Promise<Extract<WorkerReport, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: WorkerReport) => {
      worker.off('error', reject)
      worker.off('message', onMessage)
      if (report.type === type) resolve(report as Extract<WorkerReport, { type: T }>)
      else reject(new Error(report.type === 'error' ? report.message : `unexpected ${report.type}`))
    }
    worker.on('message', onMessage)
    worker.once('error', reject)
  })
}

/** Absolute monotonic-ish time in ms, comparable with the worker's `timeOrigin + now`. */
const absoluteNow = () => performance.timeOrigin + performance.now()

export const wsFanoutSuite: BenchSuite = {
  id: 'ws-fanout',
  title: 'Server: newHeads fan-out to 1,000 WebSocket clients',
  async run() {
    // A real clock: the mock chain mines when told to, and pushes on the microtask queue.
    const chain = createMockChain({ chainId: 1 })
    const provider = createMockProvider({ chain, id: 'mock' })
    /** When the upstream first pushed each block (the instant the pool gets its first copy). */
    const pushedAt = new Map<number, number>()
    const observed = {
      ...provider,
      subscribe: (
        params: readonly unknown[],
        onNotification: (result: unknown) => void,
        hooks: Parameters<NonNullable<typeof provider.subscribe>>[2],
      ) =>
        provider.subscribe!(
          params,
          (result) => {
            if (params[0] === 'newHeads') {
              const number = Number.parseInt((result as { number: string }).number, 16)
              if (!pushedAt.has(number)) pushedAt.set(number, absoluteNow())
            }
            onNotification(result)
          },
          hooks,
        ),
    }
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'mock', chain: 'ethereum', upstream: observed }],
    })
    // 1,000 upgrades from one IP would trip the per-client request limit.
    const app = buildServer({ pool, config: { rateLimit: false }, logger: false })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const url = `ws://127.0.0.1:${port}/ws/rpc/ethereum`

    const firstMeasured = Number.parseInt(chain.head().number, 16) + WARMUP_BLOCKS + 1
    const lastMeasured = firstMeasured + BLOCKS - 1
    const worker = new Worker(CLIENT_WORKER_SOURCE, {
      eval: true,
      workerData: {
        wsPath: createRequire(import.meta.url).resolve('ws'),
        url,
        clients: CLIENTS,
        batch: CONNECT_BATCH,
      },
    })
    let connectMs = 0
    let report: { numbers: number[]; times: number[] }
    try {
      connectMs = (await nextReport(worker, 'ready')).connectMs
      for (let block = 0; block < WARMUP_BLOCKS + BLOCKS; block++) {
        chain.mine()
        await sleep(BLOCK_INTERVAL_MS)
      }
    } finally {
      const done = nextReport(worker, 'done')
      worker.postMessage('close')
      report = await done.finally(() => worker.terminate())
      await app.close()
      await pool.close()
      provider.close()
    }

    const latencies: number[] = []
    const perBlock = new Map<number, number[]>()
    for (const [index, number] of report.numbers.entries()) {
      if (number < firstMeasured || number > lastMeasured) continue
      const latency = report.times[index]! - (pushedAt.get(number) ?? Number.NaN)
      latencies.push(latency)
      const list = perBlock.get(number) ?? []
      if (list.length === 0) perBlock.set(number, list)
      list.push(latency)
    }
    const expected = CLIENTS * BLOCKS
    if (latencies.some((latency) => Number.isNaN(latency) || latency < 0))
      throw new Error('a client received a block before its upstream push')
    const blockSpreads = [...perBlock.values()].map((list) => Math.max(...list))
    const p99 = percentile(latencies, 99)
    return {
      rows: [
        {
          subject: `ChainPulse /ws/rpc/ethereum, ${formatNumber(CLIENTS)} clients × ${BLOCKS} blocks`,
          figures: {
            deliveries: `${formatNumber(latencies.length)} / ${formatNumber(expected)}`,
            p50: formatMs(percentile(latencies, 50)),
            p99: formatMs(p99),
            max: formatMs(Math.max(...latencies)),
            'last client, median block': formatMs(percentile(blockSpreads, 50)),
            'deliveries/s while fanning out': formatNumber(CLIENTS / (percentile(blockSpreads, 50) / 1000)),
          },
        },
      ],
      target: `p99 delivery latency < ${TARGET_P99_MS} ms, every block to every client (measured: ${formatMs(p99)}, ${formatNumber(latencies.length)} of ${formatNumber(expected)} deliveries)`,
      met: p99 < TARGET_P99_MS && latencies.length === expected,
      notes: [
        `Setup: \`buildServer\` (per-client HTTP rate limit off, everything else default) over \`createProviderPool\` with one provider: core's in-memory mock provider over \`createMockChain\` (real clock, no network upstream). ${formatNumber(CLIENTS)} \`ws\` clients connect to /ws/rpc/ethereum (${CONNECT_BATCH} at a time; all connected and subscribed to newHeads in ${formatNumber(connectMs)} ms), then \`chain.mine()\` runs every ${BLOCK_INTERVAL_MS} ms for ${WARMUP_BLOCKS} warm-up blocks (not counted) and ${BLOCKS} measured blocks.`,
        'Latency of one delivery = arrival time in the client’s message event − the instant the mock provider pushed that block to the pool (its subscribe callback, wrapped): the first upstream copy. Both are `performance.timeOrigin + performance.now()`, so they compare across threads. It covers the pool’s head stream, the WebSocket route’s per-client serialisation and sends, the kernel’s loopback, and the client’s frame parsing. "last client, median block" is the slowest client’s latency for the median block: the time one block takes to reach all clients.',
        'Server and clients share one process but not one event loop: the clients run in a worker thread, so their frame handling does not delay the server’s sends (they still share the machine’s CPUs). Clients match the block number by text rather than parse the JSON. All sockets are closed client side (awaited) before the worker, server and pool end.',
      ],
    }
  },
}
