import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../../redis/src/testing/index.js'
import { type RunningChainPulse, startChainPulse } from '../../server/src/start-chainpulse.js'
import {
  type Browser,
  buildDashboard,
  dashboardDir,
  launchChromium,
  type PageProblems,
  watchPageProblems,
} from './browser.js'

// Two instances over one Redis: the dashboard of one shows both in its Cluster panel, and offers the
// instance filter once the other instance's events reach its feeds.

const upstream = {
  async request(_method: string, params: unknown) {
    return { jsonrpc: '2.0' as const, id: 1, result: params }
  },
  close() {},
}

let redis: RedisServer | undefined
const instances: RunningChainPulse[] = []
let browser: Browser | undefined
let page: Page
let problems: PageProblems

describe('dashboard in Chromium against a two-instance cluster', () => {
  beforeAll(async () => {
    await buildDashboard()
    redis = await startRedisServer()
    for (const instanceId of ['node-a', 'node-b'])
      instances.push(
        await startChainPulse({
          pool: {
            chains: [{ name: 'ethereum', chainId: 1 }],
            providers: [{ id: 'ethereum-alpha', chain: 'ethereum', upstream }],
            healthCheck: false,
            racing: false,
          },
          server: {
            logLevel: 'silent',
            cache: false,
            cluster: { redisUrl: redis.url, instanceId, heartbeatIntervalMs: 500 },
          },
          serverOptions: () => ({ dashboardDir }),
          listen: { port: 0, host: '127.0.0.1' },
          logger: false,
        }),
      )
    browser = await launchChromium()
    page = browser.context.pages()[0] ?? (await browser.context.newPage())
    problems = watchPageProblems(page)
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all(instances.map((instance) => instance.close()))
    await redis?.stop()
  })

  it('lists both instances, and filters the live feeds by instance', async () => {
    const [a, b] = instances as [RunningChainPulse, RunningChainPulse]
    await page.goto(`${a.url}/`)
    await page.waitForSelector('[data-testid="stream-status"][data-status="open"]')

    await page.click('[data-tab="system"]')
    await page.waitForSelector('[data-testid="cluster-panel"]')
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="cluster-instance"]').length === 2,
    )
    expect(await page.locator('[data-testid="cluster-redis"]').textContent()).toContain('Redis connected')

    // One call on each instance: A's dashboard hears both.
    for (const instance of [a, b])
      await fetch(`${instance.url}/rpc/ethereum`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [instance.url] }),
      })
    await page.click('[data-tab="live"]')
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="instance-filter"] option').length === 3,
    )
    expect(await page.locator('[data-testid="instance-filter"] option').allTextContents()).toEqual([
      'all instances',
      'node-a',
      'node-b',
    ])
    const shown = async () =>
      Number(
        /\((\d+)\)/.exec((await page.locator('[data-testid="routing-feed"] h2').textContent()) ?? '')?.[1],
      )
    const all = await shown()
    expect(all).toBeGreaterThanOrEqual(2)
    await page.selectOption('[data-testid="instance-filter"]', 'node-b')
    await page.waitForFunction(
      (before) =>
        !document.querySelector('[data-testid="routing-feed"] h2')?.textContent?.includes(`(${before})`),
      all,
    )
    expect(await shown()).toBeGreaterThanOrEqual(1)
    expect(await shown()).toBeLessThan(all)
    expect(problems.take()).toEqual([])
  })
})
