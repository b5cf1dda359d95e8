import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ObservedDecision, runScenario, type ScenarioContext, type TimelineEntry } from './runner.js'
import { scenarios, scenarioTiming } from './scenarios.js'

/**
 * A context that records its calls. Routing is scripted: `traffic` lists the decisions that arrive
 * 100 ms after `nextDecision` is called (kill and revive may change it); none that match means the wait
 * runs to its timeout, on the fake timers.
 */
function fakeContext(overrides: Partial<ScenarioContext> = {}) {
  const calls: string[] = []
  const routing: { traffic: ObservedDecision[] } = { traffic: [] }
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
    nextDecision: (match, { timeoutMs, signal }) =>
      new Promise((resolve) => {
        const found = routing.traffic.find(match)
        const timer = setTimeout(() => resolve(found), found ? 100 : timeoutMs)
        signal?.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve(undefined)
        })
      }),
    ...overrides,
  }
  return { context, calls, routing }
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
})
