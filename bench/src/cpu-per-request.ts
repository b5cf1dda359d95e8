/**
 * `pnpm --filter @chainpulse/bench cpu-per-request`: CPU microseconds per proxied request of the
 * proxy-throughput load (distinct `eth_getBalance` calls over 10 keep-alive connections) through the
 * ChainPulse proxy, the naive Fastify + undici forwarder and the bare node:http forwarder, measured with
 * `process.cpuUsage()` around rounds that alternate between subjects. The client (undici) runs in this
 * process and counts in every row alike; the upstream has its own. A guide for work on the proxy's hot
 * path on a busy machine, where requests/s drift too much to compare: CPU per request drifts less, and
 * the minimum and lower quartile over many short rounds drift least. Not a suite: nothing is written.
 * Like `pnpm bench`, it runs the built packages: `pnpm build` first.
 */
import { Agent, Pool } from 'undici'
import { addressFor, rpcBody } from './suites/pool-bench-kit.js'
import {
  startBareForwarder,
  startNaiveForwarder,
  startProxyUnderTest,
  startUpstreamProcess,
} from './suites/proxy-bench-kit.js'

const REQUESTS_PER_ROUND = Number(process.env.REQUESTS ?? 3_000)
const ROUNDS = Number(process.env.ROUNDS ?? 12)
const CONNECTIONS = 10

const upstream = await startUpstreamProcess()
const proxy = await startProxyUnderTest(`${upstream.url}/chainpulse`)
const dispatcher = new Agent({ keepAliveTimeout: 60_000 })
const naive = await startNaiveForwarder(`${upstream.url}/naive`, dispatcher)
const bare = await startBareForwarder(`${upstream.url}/bare`)
const subjects = [
  { name: 'ChainPulse proxy', url: proxy.url, samples: [] as number[] },
  { name: 'naive forwarder', url: naive.url, samples: [] as number[] },
  { name: 'bare node:http forwarder', url: bare.url, samples: [] as number[] },
]

let next = 0
/** CPU µs per request of `requests` requests sent over {@link CONNECTIONS} connections. */
async function cpuPerRequest(url: string, requests: number): Promise<number> {
  const { origin, pathname } = new URL(url)
  const client = new Pool(origin, { connections: CONNECTIONS })
  let left = requests
  const connection = async () => {
    while (left-- > 0) {
      next++
      const body = rpcBody(next, 'eth_getBalance', [addressFor(next), 'latest'])
      const answer = await client.request({
        method: 'POST',
        path: pathname,
        headers: { 'content-type': 'application/json' },
        body,
      })
      const text = await answer.body.text()
      if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode} ${text}`)
    }
  }
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: CONNECTIONS }, connection))
  const used = process.cpuUsage(before)
  await client.close()
  return (used.user + used.system) / requests
}

try {
  for (const subject of subjects) await cpuPerRequest(subject.url, REQUESTS_PER_ROUND) // warm-up
  for (let round = 0; round < ROUNDS; round++)
    for (const subject of subjects) subject.samples.push(await cpuPerRequest(subject.url, REQUESTS_PER_ROUND))
} finally {
  await proxy.close()
  await naive.close()
  await bare.close()
  await dispatcher.close()
  await upstream.stop()
}

const at = (sorted: number[], share: number) => sorted[Math.floor((sorted.length - 1) * share)]!
console.log(`CPU µs per request, ${ROUNDS} rounds of ${REQUESTS_PER_ROUND} requests (client included):`)
for (const { name, samples } of subjects) {
  const sorted = [...samples].sort((a, b) => a - b)
  const figures = [sorted[0]!, at(sorted, 0.25), at(sorted, 0.5)].map((value) => value.toFixed(1))
  console.log(`  ${name.padEnd(26)} min ${figures[0]}  p25 ${figures[1]}  median ${figures[2]}`)
}
