import { createContext, runInContext } from 'node:vm'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { buildBrowserBundle } from './build-browser-bundle.js'
import type * as Consumer from './consumer.js'

// The bundle of consumer.ts (core, the viem transport and viem itself, minified for the browser) runs
// in a fresh V8 context holding only the globals a browser or an edge runtime offers, and talks to a
// real devnet provider (an anvil node behind a simulated provider front). Anything in the bundle that
// reaches for Node (process, require, Buffer, global, node:*) fails here.
const webGlobals = {
  fetch,
  // Node 20 has no global WebSocket; the ws package implements the same browser API.
  WebSocket,
  URL,
  URLSearchParams,
  TextEncoder,
  TextDecoder,
  AbortController,
  AbortSignal,
  Event,
  EventTarget,
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  queueMicrotask,
  performance,
  crypto,
  console,
  structuredClone,
}

let devnet: Devnet
let code: string

beforeAll(async () => {
  ;[devnet, { code }] = await Promise.all([
    startDevnet({
      seed: 12,
      chains: [{ name: 'ethereum', blockTimeMs: 200, providers: [{ preset: 'neutral' }], traffic: false }],
    }),
    buildBrowserBundle({ includeViem: true, format: 'iife' }),
  ])
})
afterAll(async () => {
  await devnet?.stop()
})

/** A fresh web-only context with the bundle loaded; returns the context's global. */
function loadInWebContext(): Record<string, unknown> & { app: typeof Consumer } {
  const context = createContext({ ...webGlobals })
  runInContext(code, context, { filename: 'browser-bundle.js' })
  return context as Record<string, unknown> & { app: typeof Consumer }
}

async function nodeBlockNumber(): Promise<bigint> {
  const response = await fetch(devnet.manifest.chains[0]!.nodeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  })
  return BigInt(((await response.json()) as { result: string }).result)
}

describe('the browser bundle in a context with only web globals', () => {
  it('has none of Node’s globals to lean on', () => {
    const context = loadInWebContext()
    expect(
      runInContext('[typeof process, typeof require, typeof Buffer, typeof global, typeof module]', context),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined'])
  })

  it('reads the chain id and block number through a pool over HTTP', async () => {
    const { app } = loadInWebContext()
    const provider = devnet.manifest.providers[0]!
    const before = await nodeBlockNumber()
    const { chainId, blockNumber } = await app.readChain(provider.httpUrl, provider.chainId)
    const after = await nodeBlockNumber()
    expect(chainId).toBe(1)
    expect(blockNumber >= before && blockNumber <= after).toBe(true)
  })

  it('follows new blocks over a WebSocket-only provider', async () => {
    const { app } = loadInWebContext()
    const provider = devnet.manifest.providers[0]!
    const current = await nodeBlockNumber()
    const next = await app.nextBlockNumber(provider.wsUrl, provider.chainId)
    expect(next >= current).toBe(true)
  })

  it('words an invalid option as zod would, with no zod in the bundle', async () => {
    const { app } = loadInWebContext()
    const error = await app
      .readChain(devnet.manifest.providers[0]!.httpUrl, 0)
      .catch((caught: unknown) => caught)
    expect((error as Error).message).toContain('chains.0.chainId: Too small: expected number to be >0')
  })
})
