import { readFileSync } from 'node:fs'
import { type RedisServer, startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { parse } from 'yaml'
import type { ServerConfigInput } from '../config/server-config.js'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'
import { createTestUpstream, type TestUpstream } from '../testing/harness.js'
import type { ClusterView } from './cluster-routes.js'

// A password the cluster's Redis really checks (an ACL user; the default user stays open so the test
// helper's readiness PING works): it must never show in a log line or an /api body.
const PASSWORD = 'Cl0sterRedisPassw0rd'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer({
    args: ['--user', 'chainpulse', 'on', `>${PASSWORD}`, '~*', '&*', '+@all'],
  })
})
afterAll(async () => {
  await redis?.stop()
})

const running: RunningChainPulse[] = []
const logs: string[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((instance) => instance.close()))
})

const redisUrl = () => redis.url.replace('redis://', `redis://chainpulse:${PASSWORD}@`)

/** `n` instances over one upstream set and one Redis, each with its own pool, listening on loopback. */
async function startCluster(
  n: number,
  server: ServerConfigInput = {},
  keyPrefix = `test-${Math.random().toString(36).slice(2, 8)}:`,
): Promise<{ instances: RunningChainPulse[]; upstreams: TestUpstream[] }> {
  const upstreams = [createTestUpstream('a'), createTestUpstream('b')]
  const instances = await Promise.all(
    Array.from({ length: n }, (_, index) =>
      startChainPulse({
        pool: {
          chains: [{ name: 'ethereum', chainId: 1 }],
          providers: upstreams.map((upstream, priority) => ({
            id: upstream.id,
            chain: 'ethereum',
            priority,
            upstream,
          })),
          strategy: 'priority',
          racing: false,
          healthCheck: false,
        },
        server: {
          rateLimit: false,
          cache: false,
          ...server,
          cluster: { redisUrl: redisUrl(), instanceId: `node-${index}`, heartbeatIntervalMs: 200, keyPrefix },
        },
        listen: { port: 0, host: '127.0.0.1' },
        logger: { stream: { write: (line: string) => logs.push(line) } },
      }),
    ),
  )
  running.push(...instances)
  await Promise.all(
    instances.map((instance) =>
      waitFor(async () => (await clusterView(instance)).redis.connected, { what: 'Redis connected' }),
    ),
  )
  return { instances, upstreams }
}

async function clusterView(instance: RunningChainPulse): Promise<Extract<ClusterView, { enabled: true }>> {
  const response = await fetch(`${instance.url}/api/cluster`)
  const body = (await response.json()) as ClusterView
  if (!body.enabled) throw new Error('cluster mode is off')
  return body
}

async function call(instance: RunningChainPulse, params: unknown[] = [], method = 'echo'): Promise<Response> {
  return fetch(`${instance.url}/rpc/ethereum`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
}

/** Opens a dashboard stream subscribed to `topics`; `messages` fills as they arrive. */
async function openStream(instance: RunningChainPulse, topics: string[], replay = 0) {
  const socket = new WebSocket(`${instance.url.replace('http', 'ws')}/api/stream`)
  const messages: {
    topic?: string
    payload?: { method?: string }
    instance?: string
    subscribed?: string[]
  }[] = []
  socket.on('message', (data) => messages.push(JSON.parse(String(data))))
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  socket.send(JSON.stringify({ subscribe: topics, ...(replay ? { replay } : {}) }))
  await waitFor(() => messages.some((message) => message.subscribed), { what: 'the subscription ack' })
  return { socket, messages }
}

describe('cluster mode over a real Redis', { timeout: 60_000 }, () => {
  it("delivers an instance's events to another instance's dashboard stream, tagged with its id", async () => {
    const { instances } = await startCluster(2)
    const [a, b] = instances as [RunningChainPulse, RunningChainPulse]
    const stream = await openStream(b, ['routing:decisions'])
    try {
      await call(a, ['from-a'])
      await call(b, ['from-b'])
      const decisions = await waitFor(() => {
        const found = stream.messages.filter((message) => message.topic === 'routing:decisions')
        return found.length >= 2 ? found : undefined
      })
      expect(decisions.map((message) => message.instance).sort()).toEqual(['node-0', 'node-1'])
      // A dashboard opened later gets them in its replay, still tagged by instance.
      const late = await openStream(b, ['routing:decisions'], 10)
      const replayed = await waitFor(() => {
        const found = late.messages.filter((message) => message.topic === 'routing:decisions')
        return found.length >= 2 ? found : undefined
      })
      late.socket.close()
      expect(replayed.map((message) => [message.payload?.method, message.instance])).toEqual(
        decisions.map((message) => [message.payload?.method, message.instance]),
      )
    } finally {
      stream.socket.close()
    }
  })

  it('counts requests spread over three instances once each, on the instance that served them', async () => {
    const { instances, upstreams } = await startCluster(3)
    const served = [5, 7, 9]
    for (const [index, count] of served.entries())
      for (let i = 0; i < count; i++) expect((await call(instances[index]!, [index, i])).status).toBe(200)
    // Every instance has heard the others' decisions (so a double count would have happened by now).
    await Promise.all(
      instances.map((instance) =>
        waitFor(() => instance.pool.pubsub.recent('routing:decisions').length === 21, {
          what: "every instance to hear the others' decisions",
        }),
      ),
    )
    await Promise.all(
      instances.map(async (instance, index) => {
        const chains = (await (await fetch(`${instance.url}/api/chains`)).json()) as {
          chains: { calls: { calls: number } }[]
        }
        expect(chains.chains[0]!.calls.calls).toBe(served[index])
        const runtime = (await (await fetch(`${instance.url}/api/runtime`)).json()) as {
          buffers: { pubsub: { topic: string; published: number; buffered: number }[] }
        }
        const routing = runtime.buffers.pubsub.find((topic) => topic.topic === 'routing:decisions')!
        expect(routing.published).toBe(served[index])
        // The replay buffer holds the whole cluster's decisions: that is what the feeds show.
        expect(routing.buffered).toBe(21)
        const metrics = await (await fetch(`${instance.url}/metrics`)).text()
        const requests = metrics
          .split('\n')
          .filter((line) => line.startsWith('chainpulse_requests_total'))
          .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
        expect(requests).toBe(served[index])
      }),
    )
    expect(upstreams.reduce((sum, upstream) => sum + upstream.calls.length, 0)).toBe(21)
  })

  it("answers every instance's RPC stats for the whole cluster, each call counted once", async () => {
    const { instances } = await startCluster(3)
    const served = [2, 3, 4]
    for (const [index, count] of served.entries())
      for (let i = 0; i < count; i++) expect((await call(instances[index]!, [index, i])).status).toBe(200)
    type RpcStats = { scope: string; rows: { method?: string; count: number }[] }
    const stats = async (instance: RunningChainPulse, scope = '') =>
      (await (
        await fetch(`${instance.url}/api/rpc-stats/ethereum?groupBy=method${scope}`)
      ).json()) as RpcStats
    // Client calls only: the pool's own head polls are recorded too.
    const echoCalls = (view: RpcStats) =>
      view.rows.filter((row) => row.method === 'echo').reduce((sum, row) => sum + row.count, 0)
    // Each instance shares its totals every sync interval (2 s) and the others merge them as they come.
    await Promise.all(
      instances.map((instance) =>
        waitFor(async () => echoCalls(await stats(instance)) === 9, {
          what: "the instance's cluster RPC stats to reach 9 calls",
          timeoutMs: 20_000,
        }),
      ),
    )
    for (const [index, instance] of instances.entries()) {
      expect((await stats(instance)).scope).toBe('cluster')
      expect(echoCalls(await stats(instance, '&scope=instance'))).toBe(served[index])
    }
  })

  it('shares the response cache: an answer fetched by one instance is a hit on another', async () => {
    const { instances, upstreams } = await startCluster(2, { cache: {} })
    const [a, b] = instances as [RunningChainPulse, RunningChainPulse]
    const chainIdCalls = () =>
      upstreams.flatMap((upstream) => upstream.calls).filter((entry) => entry.method === 'eth_chainId').length
    expect(await (await call(a, [], 'eth_chainId')).json()).toMatchObject({ result: 'eth_chainId' })
    // The write to Redis is in the background: wait until A's store has nothing pending.
    await waitFor(() => a.cluster!.redisStatus().cache?.pending === 0, { what: "A's cache write" })
    expect(await (await call(b, [], 'eth_chainId')).json()).toMatchObject({ result: 'eth_chainId' })
    expect(chainIdCalls()).toBe(1)
    expect(b.cluster!.redisStatus().cache?.hits).toBe(1)
  })

  it('rate-limits one client spread over three instances as one client', async () => {
    const { instances } = await startCluster(3, { rateLimit: { max: 30, timeWindowMs: 60_000 } })
    const statuses: number[] = []
    for (let i = 0; i < 45; i++) statuses.push((await call(instances[i % 3]!, [i])).status)
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true)
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true)
  })

  it('limits each instance on its own while Redis is down, and shares the budget again once it is back', async () => {
    const { instances } = await startCluster(2, { rateLimit: { max: 5, timeWindowMs: 60_000 } })
    await redis.kill()
    try {
      await waitFor(async () => !(await clusterView(instances[0]!)).redis.connected, { what: 'Redis down' })
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) statuses.push((await call(instances[0]!, [i])).status)
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
    } finally {
      await redis.restart()
    }
    for (const instance of instances)
      await waitFor(async () => (await clusterView(instance)).redis.commands.connected, {
        what: 'Redis back',
      })
    // Redis lost its counters with the crash: a fresh shared window, spread over both instances.
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await call(instances[i % 2]!, [i])).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429])
  })

  it("shows each instance's aggregate sync in GET /api/cluster and /metrics", async () => {
    const { instances } = await startCluster(3)
    const view = await waitFor(async () => {
      const found = await clusterView(instances[1]!)
      return found.aggregates?.peers.length === 2 ? found : undefined
    })
    expect(view.aggregates).toMatchObject({
      scope: 'cluster',
      peers: ['node-0', 'node-2'],
      lastError: null,
      failures: 0,
    })
    expect(Math.abs(Date.now() - view.aggregates!.lastSyncAt!)).toBeLessThan(10_000)
    const metrics = await (await fetch(`${instances[1]!.url}/metrics`)).text()
    const lastSync = Number(
      /^chainpulse_cluster_aggregates_last_sync_timestamp_seconds (\S+)$/m.exec(metrics)?.[1],
    )
    expect(Math.abs(Date.now() / 1_000 - lastSync)).toBeLessThan(10)

    await redis.kill()
    try {
      const down = await waitFor(async () => {
        const found = await clusterView(instances[1]!)
        return found.aggregates?.scope === 'local' ? found : undefined
      })
      expect(down.aggregates).toMatchObject({ peers: [], lastError: { message: expect.any(String) } })
    } finally {
      await redis.restart()
    }
  })

  it("names only metrics a clustered instance's /metrics exports in deploy/prometheus/cluster-alerts.yml", async () => {
    const file = readFileSync(
      new URL('../../../../deploy/prometheus/cluster-alerts.yml', import.meta.url),
      'utf8',
    )
    const rules = (parse(file) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
      (group) => group.rules,
    )
    expect(rules.map((rule) => rule.alert)).toEqual([
      'ChainPulseClusterRedisDown',
      'ChainPulseClusterAggregatesStale',
      'ChainPulseClusterInstanceMissing',
    ])
    const { instances } = await startCluster(1)
    const metrics = await (await fetch(`${instances[0]!.url}/metrics`)).text()
    const exported = new Set([...metrics.matchAll(/^# TYPE (chainpulse_\w+) /gm)].map((match) => match[1]))
    for (const rule of rules)
      for (const [name] of rule.expr.matchAll(/\bchainpulse_\w+/g))
        expect([...exported], `${rule.alert}: ${name}`).toContain(name)
  })

  it('lists every instance in GET /api/cluster with its load and health', async () => {
    const { instances } = await startCluster(3)
    const view = await waitFor(async () => {
      const found = await clusterView(instances[0]!)
      return found.instances.length === 3 ? found : undefined
    })
    expect(view.instanceId).toBe('node-0')
    expect(view.instances.map((instance) => [instance.instanceId, instance.self])).toEqual([
      ['node-0', true],
      ['node-1', false],
      ['node-2', false],
    ])
    expect(view.instances[1]!.providers).toEqual({ healthy: 2, total: 2 })
    expect(view.stale).toBe(false)
  })

  it('serves requests while Redis hangs (paused), with no rate limit to wait on past the command timeout', async () => {
    const { instances } = await startCluster(2, { rateLimit: { max: 1_000, timeWindowMs: 60_000 } })
    await redis.pause()
    try {
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(instances[i % 2]!, ['while-paused', i]).then((r) => r.status),
        ),
      )
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    } finally {
      redis.resume()
    }
  })

  it('serves every request through a Redis crash and reconnects without a restart', async () => {
    // The defaults otherwise: the shared cache is on too.
    const { instances } = await startCluster(3, {
      rateLimit: { max: 100_000, timeWindowMs: 1_000 },
      cache: {},
    })
    let failed = 0
    let sent = 0
    let flowing = true
    const clients = instances.map(async (instance, index) => {
      while (flowing) {
        sent++
        const response = await call(instance, [index, sent]).catch(() => undefined)
        if (response?.status !== 200) failed++
      }
    })
    await waitFor(() => sent > 30, { what: 'requests to flow' })
    await waitFor(async () => (await clusterView(instances[1]!)).instances.length === 3, {
      what: 'every heartbeat read',
    })
    await redis.kill()
    const down = await waitFor(async () => {
      const view = await clusterView(instances[1]!)
      return !view.redis.connected && view.stale ? view : undefined
    })
    expect(down.instances.length).toBe(3)
    const metricsWhileDown = await (await fetch(`${instances[1]!.url}/metrics`)).text()
    expect(metricsWhileDown).toContain('chainpulse_cluster_redis_connected 0')
    expect(metricsWhileDown).toContain('chainpulse_cluster_instances 3')
    const sentWhileDown = sent
    await waitFor(() => sent > sentWhileDown + 30, { what: 'requests while Redis is down' })
    await redis.restart()
    await Promise.all(
      instances.map((instance) =>
        waitFor(
          async () => {
            const view = await clusterView(instance)
            return view.redis.connected && !view.stale && view.instances.length === 3
          },
          { what: 'the cluster to recover', timeoutMs: 20_000 },
        ),
      ),
    )
    flowing = false
    await Promise.all(clients)
    expect(await (await fetch(`${instances[1]!.url}/metrics`)).text()).toContain(
      'chainpulse_cluster_redis_connected 1',
    )
    expect(sent).toBeGreaterThan(60)
    expect(failed).toBe(0)

    // The password reached no log line (connection errors were logged) and no /api body.
    expect(logs.some((line) => line.includes('cluster Redis unavailable'))).toBe(true)
    for (const path of ['/api/cluster', '/api/runtime', '/api/chains', '/api/providers', '/metrics']) {
      const text = await (await fetch(`${instances[0]!.url}${path}`)).text()
      expect(text).not.toContain(PASSWORD)
    }
    expect(logs.join('\n')).not.toContain(PASSWORD)
  })
})
