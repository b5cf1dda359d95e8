import { createServer } from 'node:net'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { advanceInSteps, createFakeClock } from '@chainpulse/core/testing'
import { waitFor } from '@chainpulse/devnet/testing'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'
import { createUndiciFetch } from '../upstream/undici-fetch.js'

// Providers that cannot be reached at all (connection refused, a name DNS does not know): health must
// say so from the first probe, not look fine until traffic comes.

let app: FastifyInstance | undefined
let pool: ProviderPool | undefined
const fetch = createUndiciFetch()
afterEach(async () => {
  await app?.close()
  await pool?.close()
})

/** A loopback port nothing listens on (connections to it are refused). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('GET /healthz over unreachable providers', () => {
  it('answers 503 down within the first probe round, and logs each provider once', async () => {
    const clock = createFakeClock()
    const port = await closedPort()
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [
        { id: 'refused', chain: 'ethereum', httpUrl: `http://127.0.0.1:${port}/v3/refused-key-0123456789` },
        {
          id: 'unknown-host',
          chain: 'ethereum',
          httpUrl: 'http://chainpulse-unreachable.invalid:8545/key-abcdefgh',
        },
      ],
      racing: false,
      healthCheck: { intervalMs: 5_000, timeoutMs: 2_000 },
      clock,
      fetch,
    })
    const logs: string[] = []
    app = buildServer({
      pool,
      config: { logLevel: 'info' },
      logger: { stream: { write: (line) => logs.push(line) } },
    })
    const health = async () => {
      const reply = await app!.inject({ method: 'GET', url: '/healthz' })
      return { status: reply.statusCode, body: reply.json() }
    }
    // The pool's clock has not moved: "within one probe interval" is the first round, at start.
    await waitFor(async () => (await health()).status === 503, { timeoutMs: 10_000, what: '/healthz 503' })
    expect(clock.now()).toBe(0)
    expect((await health()).body).toMatchObject({
      status: 'down',
      chains: [{ name: 'ethereum', providers: 2, healthyProviders: 0, usableProviders: 0 }],
    })
    expect(pool.providers().map((provider) => provider.health)).toEqual(['down', 'down'])

    // More rounds and client requests while they stay down: still one line each.
    await advanceInSteps(clock, 20_000, 500)
    for (let call = 0; call < 5; call++)
      await app.inject({
        method: 'POST',
        url: '/rpc/ethereum',
        headers: { 'content-type': 'application/json' },
        payload: { jsonrpc: '2.0', id: call, method: 'eth_blockNumber' },
      })
    const transitions = logs
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === 'provider out of rotation')
    expect(transitions.map((line) => [line.level, line.provider]).sort()).toEqual([
      [40, 'refused'],
      [40, 'unknown-host'],
    ])
    for (const line of transitions) {
      expect(line.reason).toMatch(/^down: /)
      expect(line).not.toHaveProperty('err')
      expect(JSON.stringify(line)).not.toMatch(/refused-key|key-abcdefgh|stack/)
    }
  })
})
