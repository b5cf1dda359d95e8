import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The dashboard e2e's launcher: one place for the flags Chromium needs on these machines.
import { type Browser, launchChromium } from '../../../demo-web/e2e/browser.js'
import { createTestServer, type TestServer } from '../testing/harness.js'

// A real browser enforces CORS; these tests check that a page on another origin can (or cannot) use the
// proxy, exactly as a dapp running viem or ethers in the page would.

// The test server's pool uses the priority strategy over providers a (priority 2) and b (priority 1): b answers.
let pageServer: Server
let pageOrigin: string
let browser: Browser | undefined
const proxies: TestServer[] = []

beforeAll(async () => {
  // The dapp: a blank page on its own origin (another port is another origin).
  pageServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>dapp</title>')
  })
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve))
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`
  browser = await launchChromium()
}, 30_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all(proxies.map((proxy) => proxy.close()))
  await new Promise((resolve) => pageServer?.close(resolve))
})

/** Starts a proxy on a loopback port and returns its origin. */
async function startProxy(config: Parameters<typeof createTestServer>[0] = {}): Promise<string> {
  const proxy = createTestServer(config)
  proxies.push(proxy)
  return proxy.app.listen({ port: 0, host: '127.0.0.1' })
}

/** What the page sees when it POSTs eth_chainId to `url` (a JSON body, so the browser sends a preflight). */
async function callFromPage(
  url: string,
): Promise<{ result?: unknown; provider?: string | null; error?: string }> {
  const page = await browser!.context.newPage()
  try {
    await page.goto(pageOrigin)
    return await page.evaluate(async (target) => {
      try {
        const response = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
        })
        const body = (await response.json()) as { result?: unknown }
        return { result: body.result, provider: response.headers.get('x-chainpulse-provider') }
      } catch (error) {
        return { error: String(error) }
      }
    }, url)
  } finally {
    await page.close()
  }
}

describe('CORS in Chromium', () => {
  it('a page on another origin calls the proxy and reads which provider answered', async () => {
    const proxy = await startProxy()
    const seen = await callFromPage(`${proxy}/rpc/ethereum`)
    // The harness's upstreams answer with the method's name.
    expect(seen).toEqual({ result: 'eth_chainId', provider: 'b' })
  })

  it('a page on an origin not listed is refused by the browser', async () => {
    const proxy = await startProxy({ config: { cors: { origins: ['https://dapp.example'] } } })
    const seen = await callFromPage(`${proxy}/rpc/ethereum`)
    expect(seen.error).toMatch(/TypeError: Failed to fetch/)
  })

  it('a listed origin is allowed', async () => {
    const proxy = await startProxy({ config: { cors: { origins: ['https://dapp.example', pageOrigin] } } })
    const seen = await callFromPage(`${proxy}/rpc/ethereum`)
    expect(seen.provider).toBe('b')
  })
})
