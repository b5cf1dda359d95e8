import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runScenario, type ScenarioContext, type TimelineEntry } from './runner.js'
import { scenarios, scenarioTiming } from './scenarios.js'

function fakeContext(overrides: Partial<ScenarioContext> = {}) {
  const calls: string[] = []
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
    ...overrides,
  }
  return { context, calls }
}

const byId = (id: string) => scenarios.find((scenario) => scenario.id === id)!

describe('runScenario', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(1_000_000)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('kills the leader, waits, revives it, and narrates each step with its start time', async () => {
    const { context, calls } = fakeContext()
    let timeline: TimelineEntry[] = []
    const done = runScenario(byId('kill-leader'), context, { onTimeline: (entries) => (timeline = entries) })
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toEqual(['kill bravo'])
    expect(timeline.at(-1)).toMatchObject({ text: expect.stringContaining('kill bravo'), status: 'running' })
    await vi.advanceTimersByTimeAsync(scenarioTiming.observeMs)
    expect(calls).toEqual(['kill bravo', 'revive bravo'])
    await vi.advanceTimersByTimeAsync(scenarioTiming.recoverMs)
    expect(await done).toBe(true)
    const revive = timeline.find((entry) => entry.text === 'revive bravo')!
    expect(revive.at - timeline[0]!.at).toBe(scenarioTiming.observeMs)
    expect(timeline.at(-1)).toMatchObject({ text: '✔ scenario complete', status: 'done' })
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
