import type { RoutingDecisionEvent } from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { waitFor } from '@chainpulse/devnet/testing'
import { createPublicClient, http, type Transport, webSocket } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { mainnet } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'

// Wallets' nonce → estimate → send → receipt flows through the proxy, on a devnet of three providers in
// front of one real anvil. The pool routes round-robin, so every call that is not held by its session
// would go to the next provider. Killing the provider a session is on moves the session once, to a
// provider that answered instead, and it stays there when the killed one comes back.
//
// The flows are made of single calls (no viem action that polls blocks): a call naming a block its
// session's provider has not reported yet is rightly answered elsewhere (without moving the session),
// and would blur what "every call on one provider" checks here.

const RECIPIENT = '0x000000000000000000000000000000000000dEaD'
const SESSION_KEY = 'wallet-session-1'

describe('sessions through the proxy, on the devnet', { timeout: 60_000 }, () => {
  let devnet: Devnet
  let chainpulse: RunningChainPulse
  const decisions: RoutingDecisionEvent[] = []

  beforeAll(async () => {
    devnet = await startDevnet({
      control: false,
      chains: [
        {
          name: 'ethereum',
          blockTimeMs: 200,
          traffic: false,
          providers: Array.from({ length: 3 }, () => ({ preset: 'neutral' as const })),
        },
      ],
    })
    chainpulse = await startChainPulse({
      pool: {
        chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 200 }],
        providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
          id,
          chain,
          httpUrl,
          wsUrl,
        })),
        strategy: 'round-robin',
        // Probes find a killed provider quickly, and see it back after the revive.
        healthCheck: { intervalMs: 500 },
      },
      // Every call routed (the response cache would answer repeated reads such as eth_chainId itself).
      server: { rateLimit: false, cache: false },
      listen: { port: 0, host: '127.0.0.1' },
      logger: false,
    })
    chainpulse.pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  }, 30_000)
  afterAll(async () => {
    await chainpulse?.close()
    await devnet?.stop()
  })

  /** A fresh funded account, so no other sender shares its nonces. */
  async function fundedAccount(): Promise<PrivateKeyAccount> {
    const account = privateKeyToAccount(generatePrivateKey())
    await devnet.chain('ethereum').rpc('anvil_setBalance', [account.address, '0xde0b6b3a7640000'])
    return account
  }

  /** One transfer as a wallet makes it: nonce, gas estimate, gas price, signed locally, sent, receipt polled. */
  async function sendFlow(transport: Transport, account: PrivateKeyAccount): Promise<void> {
    const client = createPublicClient({ chain: mainnet, transport })
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
    const gas = await client.estimateGas({ account: account.address, to: RECIPIENT, value: 1n })
    const gasPrice = await client.getGasPrice()
    const serializedTransaction = await account.signTransaction({
      type: 'legacy',
      chainId: mainnet.id,
      nonce,
      gas,
      gasPrice,
      to: RECIPIENT,
      value: 1n,
    })
    const hash = await client.sendRawTransaction({ serializedTransaction })
    const receipt = await waitFor<{ status: string }>(
      // Null until the transaction is mined; waitFor waits for a value that is not undefined.
      async () =>
        (await client.request({ method: 'eth_getTransactionReceipt', params: [hash] })) ?? undefined,
      { timeoutMs: 15_000, intervalMs: 50, what: `the receipt of ${hash}` },
    )
    expect(receipt.status).toBe('0x1')
  }

  /** `count` flows at once, each from a fresh account. */
  async function burst(transport: Transport, count: number): Promise<void> {
    const accounts = await Promise.all(Array.from({ length: count }, fundedAccount))
    await Promise.all(accounts.map((account) => sendFlow(transport, account)))
  }

  /** The decisions of the session that a call of `method` was made in, from `since` on. */
  function sessionDecisions(since: number, method = 'eth_sendRawTransaction'): RoutingDecisionEvent[] {
    const session = decisions.slice(since).find((decision) => decision.method === method)?.session
    expect(session).toBeDefined()
    return decisions.filter((decision, index) => index >= since && decision.session === session)
  }

  /** Kills `providerId`, runs `during`, revives it, and waits until the pool uses it again. */
  async function withKilled(providerId: string, during: () => Promise<void>): Promise<void> {
    await devnet.provider(providerId).kill()
    try {
      await during()
    } finally {
      await devnet.provider(providerId).revive()
    }
    await waitFor(
      () =>
        chainpulse.pool
          .providers('ethereum')
          .some(
            (provider) =>
              provider.id === providerId && provider.health === 'healthy' && provider.breaker === 'closed',
          ),
      { timeoutMs: 15_000, intervalMs: 50, what: `${providerId} healthy again` },
    )
  }

  /**
   * Runs a burst on a new session, kills its provider, runs a flow and a burst, revives it and runs a
   * flow again: checks every call of the session stayed on one provider before the kill and on one
   * other after, with exactly one move between them in `routing:decisions`.
   */
  async function burstKillAndMove(transport: Transport): Promise<void> {
    const since = decisions.length
    await burst(transport, 3)
    const before = sessionDecisions(since)
    // Three flows of at least five calls each (nonce, estimate, gas price, send, receipt).
    expect(before.length).toBeGreaterThanOrEqual(15)
    const home = before[0]!.providerId
    expect(before.filter((decision) => decision.providerId !== home)).toEqual([])

    const afterKill = decisions.length
    await withKilled(home, async () => {
      await sendFlow(transport, await fundedAccount())
      await burst(transport, 3)
    })
    await sendFlow(transport, await fundedAccount())

    const session = sessionDecisions(since)
    const after = session.filter((decision) => decisions.indexOf(decision) >= afterKill)
    expect(after.length).toBeGreaterThanOrEqual(25)
    const moves = session.filter((decision) => decision.sessionMoved)
    expect(moves).toEqual([
      expect.objectContaining({
        method: 'eth_getTransactionCount',
        previousProviderId: home,
        sessionMoved: true,
      }),
    ])
    expect(after[0]).toBe(moves[0])
    const moved = moves[0]!.providerId
    expect(moved).not.toBe(home)
    // Every call after the move, including the flow after the killed provider came back, stayed there.
    expect(after.filter((decision) => decision.providerId !== moved)).toEqual([])
    expect(session.every((decision) => decision.result === 'ok')).toBe(true)
  }

  it('keeps a burst of nonce → estimate → send over one session key on one provider; killing it moves the session once', async () => {
    // As docs/filters-and-sessions.md shows it: the documented header, spelled out.
    const transport = http(`${chainpulse.url}/rpc/ethereum`, {
      fetchOptions: { headers: { 'x-chainpulse-session': 'wallet-session-1' } },
      retryCount: 0,
    })
    await burstKillAndMove(transport)
    // The client's key names the session nowhere: events carry an opaque id drawn by the pool.
    expect(JSON.stringify(decisions)).not.toContain(SESSION_KEY)
  })

  it('keeps every call of one WebSocket connection on one provider; killing it moves the session once', async () => {
    const transport = webSocket(chainpulse.url.replace(/^http/, 'ws').concat('/ws/rpc/ethereum'), {
      retryCount: 0,
    })
    try {
      await burstKillAndMove(transport)
    } finally {
      const rpc = await createPublicClient({ transport }).transport.getRpcClient?.()
      rpc?.close()
    }
  })

  it("keeps a wallet's transaction flow on one provider without any header", async () => {
    const since = decisions.length
    await burst(http(chainpulse.url.concat('/rpc/ethereum'), { retryCount: 0 }), 2)
    // The calls of the transaction-flow methods from this client (its address) share an implicit session.
    const flow = sessionDecisions(since)
    expect(new Set(flow.map((decision) => decision.method))).toEqual(
      new Set([
        'eth_getTransactionCount',
        'eth_estimateGas',
        'eth_gasPrice',
        'eth_sendRawTransaction',
        'eth_getTransactionReceipt',
      ]),
    )
    expect(new Set(flow.map((decision) => decision.providerId)).size).toBe(1)
    // Other calls are routed by the strategy, outside any session.
    const chainIds = []
    for (let call = 0; call < 3; call++) {
      const response = await fetch(chainpulse.url.concat('/rpc/ethereum'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: call, method: 'eth_chainId' }),
      })
      chainIds.push(response.headers.get('x-chainpulse-provider'))
    }
    expect(new Set(chainIds).size).toBe(3)
    const reads = decisions.slice(since).filter((decision) => decision.method === 'eth_chainId')
    expect(reads.every((decision) => decision.session === undefined)).toBe(true)
  })
})
