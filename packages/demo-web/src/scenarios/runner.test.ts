import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DemoReorg } from '../api/types.js'
import {
  type ObservedBlock,
  type ObservedDecision,
  runScenario,
  type ScenarioContext,
  settingsOf,
  type TimelineEntry,
} from './runner.js'
import { scenarios, scenarioTiming } from './scenarios.js'

/** A reorg of `depth` blocks below head 100: block hashes are `0xold<n>` before, `0xnew<n>` after. */
const fakeReorg = (depth: number): DemoReorg => {
  const heights = Array.from({ length: depth }, (_, index) => 100 - depth + 1 + index)
  return {
    chain: 'ethereum',
    depth,
    replaced: heights.map((number) => ({ number, hash: `0xold${number}` })),
    blocks: heights.map((number) => ({ number, hash: `0xnew${number}` })),
    reincluded: heights.map((number) => `0xtx${number}`),
    dropped: [],
  }
}

/**
 * A context that records its calls. Routing is scripted: `traffic` lists the decisions that arrive
 * 100 ms after `nextDecision` is called (kill and revive may change it); none that match means the wait
 * runs to its timeout, on the fake timers. Blocks likewise: `chain.blocks` lists the blocks `seeBlock`
 * finds 100 ms after it is called.
 */
function fakeContext(overrides: Partial<ScenarioContext> = {}) {
  const calls: string[] = []
  const routing: { traffic: ObservedDecision[] } = { traffic: [] }
  const chain: { blocks: ObservedBlock[] } = { blocks: [] }
  const after = <T>(found: T | undefined, timeoutMs: number, signal: AbortSignal | undefined) =>
    new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(found), found ? 100 : timeoutMs)
      signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve(undefined)
      })
    })
  const record =
    (name: string) =>
    async (id: string, patch?: Record<string, number | string | Record<string, number>>) => {
      calls.push(patch ? `${name} ${id} ${JSON.stringify(patch)}` : `${name} ${id}`)
    }
  const context: ScenarioContext = {
    chain: 'ethereum',
    providers: ['alpha', 'bravo', 'charlie'],
    leader: 'bravo',
    kill: record('kill'),
    revive: record('revive'),
    personality: record('personality'),
    healthy: record('healthy'),
    reorg: async (depth) => {
      calls.push(`reorg ${depth}`)
      return fakeReorg(depth)
    },
    nextDecision: (match, { timeoutMs, signal }) => after(routing.traffic.find(match), timeoutMs, signal),
    seeBlock: (match, { timeoutMs, signal }) => after(chain.blocks.find(match), timeoutMs, signal),
    ...overrides,
  }
  return { context, calls, routing, chain }
}

const served = (providerId: string, failoverCount = 0): ObservedDecision => ({
  providerId,
  result: 'ok',
  failoverCount,
})

const byId = (id: string) => scenarios.find((scenario) => scenario.id === id)!

describe('runScenario', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(1_000_000)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('kills the leader, narrates where traffic went, revives it and narrates its return', async () => {
    const { context, calls, routing } = fakeContext({
      kill: async (id) => {
        calls.push(`kill ${id}`)
        routing.traffic = [served('charlie', 1)]
      },
      revive: async (id) => {
        calls.push(`revive ${id}`)
        routing.traffic = [served('charlie'), served('bravo')]
      },
    })
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('kill-leader'), context, { onTimeline: (entries) => (timeline = entries) })
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toEqual(['kill bravo'])
    expect(timeline.map((entry) => entry.text)).toEqual([
      '▶ Kill the leader on ethereum',
      'leader of ethereum is bravo (top of the leaderboard)',
      'kill bravo: its port stops answering',
      'traffic moves off bravo: routing fails over, health probes find it down',
    ])
    await vi.advanceTimersByTimeAsync(100)
    expect(timeline.at(-1)).toMatchObject({
      status: 'running',
      note: 'now served by charlie (after 1 failover)',
    })
    // The move stays on screen for observeMs before the revive.
    await vi.advanceTimersByTimeAsync(scenarioTiming.observeMs - 1)
    expect(calls).toEqual(['kill bravo'])
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toEqual(['kill bravo', 'revive bravo'])
    await vi.advanceTimersByTimeAsync(100)
    expect(await done).toBe(true)
    const back = timeline.find((entry) => entry.text.startsWith('bravo comes back'))!
    expect(back).toMatchObject({ status: 'done', note: 'bravo answers requests again' })
    const revive = timeline.find((entry) => entry.text === 'revive bravo')!
    expect(revive.at - timeline[0]!.at).toBe(100 + scenarioTiming.observeMs)
    expect(calls).toEqual(['kill bravo', 'revive bravo', 'revive bravo'])
    expect(timeline.at(-1)).toMatchObject({ text: '✔ scenario complete', status: 'done' })
  })

  it('says so when no traffic is seen, instead of claiming it moved or came back', async () => {
    const { context } = fakeContext()
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('kill-leader'), context, { onTimeline: (entries) => (timeline = entries) })
    await vi.runAllTimersAsync()
    expect(await done).toBe(true)
    expect(timeline.map((entry) => entry.note).filter(Boolean)).toEqual([
      'no request on ethereum answered within 8 s',
      'bravo got no request within 10 s: routing prefers another provider',
    ])
  })

  it('stops while waiting for traffic without waiting for the timeout, and revives the leader', async () => {
    const { context, calls } = fakeContext()
    const controller = new AbortController()
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('kill-leader'), context, {
      onTimeline: (entries) => (timeline = entries),
      signal: controller.signal,
    })
    await vi.advanceTimersByTimeAsync(50)
    controller.abort()
    await vi.advanceTimersByTimeAsync(0)
    expect(await done).toBe(false)
    expect(calls).toEqual(['kill bravo', 'revive bravo'])
    expect(timeline.at(-1)!.at - timeline[0]!.at).toBe(50)
  })

  it('stops early when aborted and still runs the cleanup', async () => {
    const { context, calls } = fakeContext()
    const controller = new AbortController()
    const done = runScenario(byId('cascading-failures'), context, {
      onTimeline: () => {},
      signal: controller.signal,
    })
    await vi.advanceTimersByTimeAsync(scenarioTiming.cascadeMs + 1)
    expect(calls).toEqual(['kill bravo', 'kill alpha'])
    controller.abort()
    expect(await done).toBe(false)
    expect(calls).toEqual(['kill bravo', 'kill alpha', 'revive bravo', 'revive alpha', 'revive charlie'])
  })

  it('marks a failing step, skips the rest and reports the error', async () => {
    const { context, calls } = fakeContext({
      personality: async () => {
        throw new Error('HTTP 501')
      },
    })
    let timeline: TimelineEntry[] = []
    const ok = await runScenario(byId('rate-limit-storm'), context, {
      onTimeline: (entries) => (timeline = entries),
    })
    expect(ok).toBe(false)
    expect(timeline.find((entry) => entry.status === 'failed')?.detail).toBe('HTTP 501')
    expect(calls).toEqual([])
    expect(timeline.at(-1)!.text).toBe('✖ scenario ended early')
  })

  it('storms every provider but one with 429s, and lifts the storm afterwards', async () => {
    const { context, calls } = fakeContext()
    const done = runScenario(byId('rate-limit-storm'), context, { onTimeline: () => {} })
    await vi.runAllTimersAsync()
    expect(await done).toBe(true)
    expect(calls).toEqual([
      'personality alpha {"errorRate":0.4,"errorMix":{"serverError":0,"rateLimit":1,"rpcError":0,"malformed":0}}',
      'personality bravo {"errorRate":0.4,"errorMix":{"serverError":0,"rateLimit":1,"rpcError":0,"malformed":0}}',
      'personality alpha {"errorRate":0,"errorMix":{"serverError":1,"rateLimit":1,"rpcError":1,"malformed":1}}',
      'personality bravo {"errorRate":0,"errorMix":{"serverError":1,"rateLimit":1,"rpcError":1,"malformed":1}}',
    ])
  })

  it('lags the leader and brings it back', async () => {
    const { context, calls } = fakeContext({ leader: undefined })
    const done = runScenario(byId('lagging-provider'), context, { onTimeline: () => {} })
    await vi.runAllTimersAsync()
    expect(await done).toBe(true)
    expect(calls).toEqual([
      'personality alpha {"lagBlocks":5}',
      'personality alpha {"lagBlocks":0}',
      'personality alpha {"lagBlocks":0}',
    ])
  })

  it('fails to start without providers and calls nothing', async () => {
    const { context, calls } = fakeContext({ providers: [], leader: undefined })
    let timeline: TimelineEntry[] = []
    expect(
      await runScenario(byId('recovery'), context, { onTimeline: (entries) => (timeline = entries) }),
    ).toBe(false)
    expect(calls).toEqual([])
    expect(timeline[0]).toMatchObject({ status: 'failed', detail: 'no provider on ethereum' })
  })

  it('reorganises the chain at the picked depth and narrates the new branch the pool follows', async () => {
    const { context, calls, chain } = fakeContext()
    chain.blocks = [{ number: 100, hash: '0xnew100', firstProviderId: 'charlie' }]
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('reorg'), context, {
      onTimeline: (entries) => (timeline = entries),
      settings: { depth: 2 },
    })
    await vi.runAllTimersAsync()
    expect(await done).toBe(true)
    expect(calls).toEqual(['reorg 2'])
    expect(timeline.map((entry) => [entry.text, entry.note])).toEqual([
      ['▶ Chain reorg on ethereum', undefined],
      [
        'reorganise ethereum: replace its newest 2 blocks',
        '#99–#100: head 0xold100 → 0xnew100, 2 transactions re-included',
      ],
      ['the pool follows the new branch', 'new block #100 0xnew100, first from charlie'],
      ['watch: the latest blocks show the replaced heights again, with new hashes', undefined],
      ['✔ scenario complete', undefined],
    ])
  })

  it('reorganises 3 blocks by default, and says so when the pool shows none of the new branch', async () => {
    const { context, calls, chain } = fakeContext()
    // a block of the old branch does not count
    chain.blocks = [{ number: 100, hash: '0xold100', firstProviderId: 'alpha' }]
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('reorg'), context, { onTimeline: (entries) => (timeline = entries) })
    await vi.runAllTimersAsync()
    expect(await done).toBe(true)
    expect(calls).toEqual(['reorg 3'])
    expect(timeline.map((entry) => entry.note).filter(Boolean)).toEqual([
      '#98–#100: head 0xold100 → 0xnew100, 3 transactions re-included',
      'no block of the new branch within 8 s',
    ])
  })

  it('marks the reorg failed with the server’s reason, and has nothing to put back', async () => {
    const { context, calls } = fakeContext({
      reorg: async () => {
        throw new Error('depth: must be an integer from 1 to 64')
      },
    })
    let timeline: TimelineEntry[] = []
    const ok = await runScenario(byId('reorg'), context, {
      onTimeline: (entries) => (timeline = entries),
      settings: { depth: 65 },
    })
    expect(ok).toBe(false)
    expect(timeline.find((entry) => entry.status === 'failed')?.detail).toBe(
      'depth: must be an integer from 1 to 64',
    )
    expect(calls).toEqual([])
  })
})

describe('settingsOf', () => {
  it('takes the picked values and defaults the rest, ignoring keys the scenario does not have', () => {
    expect(settingsOf(byId('reorg'))).toEqual({ depth: 3 })
    expect(settingsOf(byId('reorg'), { depth: 5, speed: 2 })).toEqual({ depth: 5 })
    expect(settingsOf(byId('kill-leader'), { depth: 5 })).toEqual({})
  })
})
