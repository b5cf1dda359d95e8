import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@chainpulse/devnet/testing'
import { JsonRpcProvider, WebSocketProvider } from 'ethers'
import { createPublicClient, createWalletClient, http, webSocket } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { mainnet } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { DemoStatus } from './demo-routes.js'
import { ambientMix } from './load/ambient-traffic.js'
import { type RunningDemo, startDemo } from './start-demo.js'

// Real clients against the same demo `chainpulse demo` runs (one chain, to stay quick): what a user's
// viem or ethers code sees when pointed at ChainPulse.
describe('chainpulse demo with real clients', { timeout: 40_000 }, () => {
  let demo: RunningDemo
  let httpUrl: string
  let wsUrl: string

  beforeAll(async () => {
    demo = await startDemo({
      port: 0,
      snapshotPath: false,
      logger: false,
      devnet: { chains: [{ name: 'ethereum', blockTimeMs: 250, providers: 3 }] },
    })
    httpUrl = demo.urls.rpc[0]!.http
    wsUrl = demo.urls.rpc[0]!.ws
  }, 30_000)
  afterAll(async () => {
    await demo?.close()
  })

  it('serves viem over HTTP: block number and a dev account balance', async () => {
    const client = createPublicClient({ chain: mainnet, transport: http(httpUrl, { retryCount: 0 }) })
    const [blockNumber, balance] = await Promise.all([
      client.getBlockNumber({ cacheTime: 0 }),
      client.getBalance({ address: demo.devnet.chain('ethereum').accounts[0] as `0x${string}` }),
    ])
    expect(blockNumber).toBeGreaterThan(0n)
    expect(balance).toBeGreaterThan(0n)
  })

  it('serves ethers over HTTP', async () => {
    const provider = new JsonRpcProvider(httpUrl, 1, { staticNetwork: true })
    try {
      expect(await provider.getBlockNumber()).toBeGreaterThan(0)
    } finally {
      provider.destroy()
    }
  })

  it('keeps viem watchBlocks gapless over WebSocket while the leading provider is killed', async () => {
    const client = createPublicClient({ chain: mainnet, transport: webSocket(wsUrl, { retryCount: 0 }) })
    const seen: bigint[] = []
    const errors: Error[] = []
    const unwatch = client.watchBlocks({
      onBlock: (block) => seen.push(block.number),
      onError: (error) => errors.push(error),
    })
    try {
      await waitFor(() => seen.length >= 3, { timeoutMs: 10_000, what: 'three blocks before the kill' })
      await demo.devnet.provider('ethereum-alpha').kill()
      const atKill = seen.length
      await waitFor(() => seen.length >= atKill + 6, { timeoutMs: 15_000, what: 'six blocks after the kill' })
    } finally {
      unwatch()
      await demo.devnet.provider('ethereum-alpha').revive()
      await (await client.transport.getRpcClient()).close()
    }
    expect(errors).toEqual([])
    // Exactly once, no gaps: the pool raced the other providers' streams through the outage. viem fetches
    // each announced block with its own getBlock call, concurrently, and emits them as those return: the
    // order it emits in is its own, so the set is what is checked.
    const sorted = [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const first = sorted[0]!
    expect(sorted).toEqual(sorted.map((_, index) => first + BigInt(index)))
  })

  // The demo keeps the default deny list: what a wallet sends (signed by the client) passes, what would
  // make the node sign or change its state does not.
  it('serves a transaction the client signed (eth_sendRawTransaction) through viem', async () => {
    const chain = demo.devnet.chain('ethereum')
    const account = privateKeyToAccount(generatePrivateKey())
    // A fresh account, funded on the node directly: no other sender shares its nonces.
    await chain.rpc('anvil_setBalance', [account.address, '0xde0b6b3a7640000'])
    const wallet = createWalletClient({
      account,
      chain: mainnet,
      transport: http(httpUrl, { retryCount: 0 }),
    })
    const hash = await wallet.sendTransaction({ to: chain.accounts[0] as `0x${string}`, value: 1n })
    const client = createPublicClient({ chain: mainnet, transport: http(httpUrl, { retryCount: 0 }) })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 15_000 })
    expect(receipt.status).toBe('success')
  })

  it.each([
    ['eth_sendTransaction', 'eth_sendTransaction', 'signing with keys held by the node'],
    ['anvil_mine', 'anvil_*', 'development-node state control'],
    ['debug_traceBlockByNumber', 'debug_*', 'node debugging and tracing'],
  ])('refuses %s, saying how an operator would enable it', async (method, pattern, why) => {
    const response = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
    })
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32601,
        message: `Method "${method}" is not allowed by this ChainPulse endpoint: ${why} methods ("${pattern}") are denied by default; to serve it, add "${pattern}" or "${method}" to the server's rpc.methods.enable`,
        data: { code: 'METHOD_NOT_ALLOWED', method, rule: 'default-deny', pattern },
      },
    })
  })

  it("runs the Live Test tab's load generator (HTTP and WebSocket) and routing sampler without a refusal", async () => {
    const api = demo.urls.api
    const postJson = (path: string, body: unknown = {}) =>
      fetch(`${api}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => response.json())
    // What the dashboard's buttons send: the default method mixes.
    await postJson('/demo/load/start', {
      ratePerSecond: 40,
      clients: 4,
      durationMs: 1_500,
      transports: ['http', 'ws'],
    })
    await postJson('/demo/sampler/start', { ratePerSecond: 10 })
    type Run = { running: boolean; sent: number; ok: number; errors: number }
    let status: { load: Run; sampler: Run } | undefined
    await waitFor(
      async () => {
        status = await fetch(`${api}/demo/status`).then((response) => response.json())
        return status !== undefined && !status.load.running && status.sampler.ok >= 5
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the load run to end and the sampler to answer 5 calls' },
    )
    await postJson('/demo/sampler/stop')
    // A refused method would be an error answer; the demo's providers fail now and then, but the
    // pool fails over, so every answer is a result.
    expect(status!.load.sent).toBeGreaterThan(20)
    expect(status!.load.ok).toBeGreaterThan(0)
    expect(status!.load.errors).toBe(0)
    expect(status!.sampler.errors).toBe(0)
  })

  it("delivers ethers WebSocketProvider 'block' events", async () => {
    const provider = new WebSocketProvider(wsUrl, 1, { staticNetwork: true })
    const blocks: number[] = []
    try {
      await provider.on('block', (block: number) => blocks.push(block))
      await waitFor(() => blocks.length >= 2, { timeoutMs: 10_000, what: 'two block events' })
      expect(blocks[1]).toBeGreaterThan(blocks[0]!)
    } finally {
      await provider.destroy()
    }
  })
})

describe('benchmark persistence across demo restarts', { timeout: 40_000 }, () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-demo-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  // Blocks are mined on demand, so no race happens between the last snapshot and the comparison.
  const start = () =>
    startDemo({
      port: 0,
      logger: false,
      snapshotPath: 'state/benchmarks.json',
      cwd: dir,
      devnet: {
        chains: [
          { name: 'ethereum', blockTimeMs: 'manual', providers: Array(3).fill({ preset: 'neutral' }) },
        ],
      },
    })

  it('loses no leaderboard history over a stop and a start, and closes WebSockets with 1001', async () => {
    const first = await start()
    let client: WebSocket | undefined
    try {
      expect(first.restored).toEqual({ status: 'missing' })
      const chain = first.devnet.chain('ethereum')
      const store = first.pool.store
      // Mine until every provider's stream has raced once, then three more fully raced blocks.
      await waitFor(
        async () => {
          if (store.leaderboard('ethereum').length === 3) return true
          await chain.mine(1)
          return false
        },
        { timeoutMs: 15_000, intervalMs: 100, what: 'all three providers racing' },
      )
      for (let block = 0; block < 3; block++) {
        const entries = store.raceEntries('ethereum').length
        await chain.mine(1)
        await waitFor(() => store.raceEntries('ethereum').length >= entries + 3, {
          what: `race of block ${block}`,
        })
      }
      expect(
        store.leaderboard('ethereum').reduce((sum, entry) => sum + entry.wins, 0),
      ).toBeGreaterThanOrEqual(4)

      client = new WebSocket(first.urls.rpc[0]!.ws)
      await new Promise((resolve, reject) => client!.once('open', resolve).once('error', reject))
      const closed = new Promise<number>((resolve) => client!.once('close', (code) => resolve(code)))
      await first.close()
      expect(await closed).toBe(1001)
      // Read after closing: late copies (a lagging provider's) may still have been recorded until then,
      // and the snapshot is written at close.
      const before = store.leaderboard('ethereum')

      const saved = JSON.parse(await readFile(join(dir, 'state/benchmarks.json'), 'utf8'))
      expect(saved.version).toBe(1)

      const second = await start()
      try {
        expect(second.restored).toEqual({ status: 'restored', chains: 1 })
        expect(second.pool.store.leaderboard('ethereum')).toEqual(before)
      } finally {
        await second.close()
      }
    } finally {
      client?.terminate()
      await first.close()
    }
  })
})

// What makes the dashboard alive the moment it opens: traffic that starts with the demo, through the
// proxy like any client's, against real anvil nodes (providers without injected faults, so every read
// must be answered).
describe('ambient traffic of chainpulse demo', { timeout: 60_000 }, () => {
  const neutral = (blockTimeMs: number | 'manual') => ({
    chains: [{ name: 'ethereum', blockTimeMs, providers: Array(2).fill({ preset: 'neutral' }) }],
  })
  let demo: RunningDemo
  beforeAll(async () => {
    demo = await startDemo({ port: 0, snapshotPath: false, logger: false, devnet: neutral(250) })
  }, 30_000)
  afterAll(async () => {
    await demo?.close()
  })

  const status = async (): Promise<DemoStatus> =>
    (await (await fetch(`${demo.url}/api/demo/status`)).json()) as DemoStatus
  const control = async (action: 'start' | 'stop') =>
    (await fetch(`${demo.url}/api/demo/ambient/${action}`, { method: 'POST' })).json()
  // The ambient HTTP clients announce themselves; the server announces every WebSocket client (no
  // other client connects in these tests).
  const clientEvents = () => demo.pool.pubsub.recent('connections').filter((event) => event.kind === 'client')

  it('starts with the demo: HTTP and WebSocket clients whose reads are all answered, and newHeads delivered', async () => {
    const running = await waitFor(
      async () => {
        const ambient = (await status()).ambient
        return ambient && ambient.clients.ok >= 20 && ambient.clients.notifications >= 3 ? ambient : undefined
      },
      { timeoutMs: 20_000, intervalMs: 200, what: '20 answered reads and 3 newHeads notifications' },
    )
    expect(running).toMatchObject({
      running: true,
      clients: { running: true, errors: 0, timeouts: 0, transports: ['http', 'ws'] },
      sampler: { running: true, errors: 0 },
    })
    expect(running.sampler.ok).toBeGreaterThan(0)
    const connected = clientEvents().filter((event) => event.state === 'connected')
    expect(connected.map((event) => `${event.chain} ${event.transport}`).sort()).toEqual([
      'ethereum http',
      'ethereum ws',
    ])
    // The proxy routed the clients' reads: methods the sampler (eth_blockNumber only) never sends.
    const routed = new Set(demo.pool.pubsub.recent('routing:decisions').map((decision) => decision.method))
    const proxied = ambientMix.map((entry) => entry.method).filter((method) => method !== 'eth_blockNumber')
    expect(proxied.filter((method) => routed.has(method)).length).toBeGreaterThanOrEqual(2)
  })

  it('is switched off and on over the API: every client leaves, then a new set connects', async () => {
    const before = new Set(clientEvents().map((event) => event.id))
    expect(before.size).toBe(2)
    const stopped = (await control('stop')) as { ambient: DemoStatus['ambient'] }
    expect(stopped.ambient).toMatchObject({
      running: false,
      clients: { running: false },
      sampler: { running: false },
    })
    await waitFor(
      () =>
        [...before].every((id) =>
          clientEvents().some((event) => event.id === id && event.state === 'disconnected'),
        ),
      { what: 'every ambient client disconnected' },
    )

    const restarted = (await control('start')) as NonNullable<DemoStatus['ambient']>
    expect(restarted.running).toBe(true)
    await waitFor(async () => ((await status()).ambient?.clients.ok ?? 0) >= 4, {
      timeoutMs: 10_000,
      what: 'answered reads after the restart',
    })
    const fresh = clientEvents().filter((event) => event.state === 'connected' && !before.has(event.id))
    expect(fresh.map((event) => event.transport).sort()).toEqual(['http', 'ws'])
  })

  it('does not start with ambient: false (chainpulse demo --no-ambient)', async () => {
    const quiet = await startDemo({
      port: 0,
      snapshotPath: false,
      logger: false,
      ambient: false,
      devnet: neutral('manual'),
    })
    try {
      const reply = await fetch(`${quiet.url}/api/demo/status`)
      expect(((await reply.json()) as DemoStatus).ambient).toBeNull()
      // The HTTP clients would have announced themselves as the server started listening.
      expect(quiet.pool.pubsub.recent('connections').filter((event) => event.kind === 'client')).toEqual([])
    } finally {
      await quiet.close()
    }
  })
})
