import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../clock/fake-clock.js'
import { UpstreamRpcError } from '../../errors/errors.js'
import type { ProviderPoolEventType } from '../../pubsub/topics.js'
import { parseProviderConfig } from '../options.js'
import { createProviderRuntime, LEARNED_LOGS_RANGE_TTL_MS, STATE_MISS_TTL_MS } from './provider-runtime.js'
import type { Upstream, UpstreamConnectionState } from './upstream.js'

function setup(
  options: { failureThreshold?: number; stateHistoryBlocks?: number; maxLogsBlockRange?: number } = {},
) {
  const clock = createFakeClock()
  const events: { type: ProviderPoolEventType; detail?: string }[] = []
  let connectionListener: ((state: UpstreamConnectionState) => void) | undefined
  let closed = 0
  const upstream: Upstream = {
    request: () => Promise.reject(new Error('not used')),
    onConnectionChange(listener) {
      connectionListener = listener
      return () => {}
    },
    close: () => void closed++,
  }
  const runtime = createProviderRuntime({
    config: parseProviderConfig({
      id: 'a',
      chain: 'ethereum',
      httpUrl: 'http://127.0.0.1:1',
      ...(options.stateHistoryBlocks === undefined ? {} : { stateHistoryBlocks: options.stateHistoryBlocks }),
      ...(options.maxLogsBlockRange === undefined ? {} : { maxLogsBlockRange: options.maxLogsBlockRange }),
    }),
    upstream,
    clock,
    breaker: { failureThreshold: options.failureThreshold ?? 1, halfOpenAfterMs: 1_000 },
    unsupportedMethodTtlMs: 60_000,
    emit: (type, detail) => events.push(detail === undefined ? { type } : { type, detail }),
  })
  return {
    clock,
    runtime,
    events,
    types: () => events.map((event) => event.type),
    connection: (state: UpstreamConnectionState) => connectionListener!(state),
    closed: () => closed,
  }
}

const unsupported = (message: string) =>
  new UpstreamRpcError({ rpcError: { code: -32601, message }, errorClass: 'method-unsupported' })

describe('provider runtime', () => {
  it('reports the worst of its states: down, then a breaker not closed, then cooldown, then lagging', () => {
    const { runtime } = setup()
    runtime.setLagging(true, 7)
    expect(runtime.health()).toBe('lagging')
    runtime.startCooldown(5_000, 'rate limited')
    expect(runtime.health()).toBe('cooldown')
    const permit = runtime.breaker.tryAcquire()!
    runtime.breaker.recordFailure(permit, new Error('503'))
    expect(runtime.health()).toBe('unhealthy')
    runtime.markDown('connection refused')
    expect(runtime.health()).toBe('down')
    runtime.markUp()
    expect(runtime.health()).toBe('unhealthy')
  })

  it('cools down until the longest cooldown asked for ends, and says so once each way', () => {
    const { clock, runtime, events, types } = setup()
    runtime.startCooldown(2_000, 'rate limited')
    runtime.startCooldown(500, 'rate limited again')
    expect(runtime.cooldownUntil).toBe(2_000)
    expect(events).toEqual([{ type: 'cooldown_start', detail: 'rate limited; 2000 ms' }])
    clock.advance(1_999)
    expect(runtime.health()).toBe('cooldown')
    clock.advance(1)
    expect(runtime.health()).toBe('healthy')
    expect(types()).toEqual(['cooldown_start', 'cooldown_end', 'healthy'])
    runtime.endCooldown()
    expect(types()).toHaveLength(3)
  })

  it('publishes leaving rotation once with the reason, and healthy when back', () => {
    const { runtime, events, types } = setup()
    runtime.markDown('connection refused')
    runtime.markDown('connection refused again')
    expect(events).toEqual([{ type: 'unhealthy', detail: 'down: connection refused' }])
    runtime.markUp()
    runtime.markUp()
    expect(types()).toEqual(['unhealthy', 'healthy'])
    // A breaker opening is its own event, then leaving rotation.
    runtime.breaker.recordFailure(runtime.breaker.tryAcquire()!, new Error('503'))
    expect(types().slice(2)).toEqual(['circuit_open', 'unhealthy'])
    expect(events.at(-1)?.detail).toBe('circuit open')
  })

  it('remembers a method it does not serve for the configured time, and forgets the oldest past its bound', () => {
    const { clock, runtime } = setup()
    const error = unsupported('the method eth_foo does not exist')
    runtime.markUnsupported('eth_foo', error)
    expect(runtime.unsupportedAnswer('eth_foo')).toBe(error)
    clock.advance(59_999)
    expect(runtime.unsupportedAnswer('eth_foo')).toBe(error)
    clock.advance(1)
    expect(runtime.unsupportedAnswer('eth_foo')).toBeUndefined()
    // Junk method names cannot grow the memory: past 256 the oldest goes first.
    for (let k = 0; k < 257; k++) runtime.markUnsupported(`junk_${k}`, unsupported('no'))
    expect(runtime.unsupportedAnswer('junk_0')).toBeUndefined()
    expect(runtime.unsupportedAnswer('junk_1')).toBeDefined()
    expect(runtime.unsupportedAnswer('junk_256')).toBeDefined()
  })

  it('publishes connection changes of its push channel once each, and closes its upstream on dispose', () => {
    const { runtime, types, connection, closed } = setup()
    connection('connecting')
    connection('connected')
    connection('connected')
    connection('disconnected')
    expect(types()).toEqual(['connected', 'disconnected'])
    expect(runtime.connection).toBe('disconnected')
    runtime.dispose()
    expect(closed()).toBe(1)
  })

  it('narrows its eth_getLogs block range to what refusals state, for an hour after the last one', () => {
    const { runtime, clock } = setup()
    expect(runtime.logsBlockRange).toBeUndefined()
    runtime.learnLogsBlockRange(2_000)
    runtime.learnLogsBlockRange(5_000) // a wider statement never widens it
    expect(runtime.logsBlockRange).toBe(2_000)
    clock.advance(LEARNED_LOGS_RANGE_TTL_MS / 2)
    runtime.learnLogsBlockRange(3_000) // a refusal renews what is known
    clock.advance(LEARNED_LOGS_RANGE_TTL_MS - 1)
    expect(runtime.logsBlockRange).toBe(2_000)
    clock.advance(1)
    expect(runtime.logsBlockRange).toBeUndefined()
  })

  it('never widens past its configured block range, learned or not', () => {
    const { runtime, clock } = setup({ maxLogsBlockRange: 1_000 })
    runtime.learnLogsBlockRange(5_000)
    expect(runtime.logsBlockRange).toBe(1_000)
    runtime.learnLogsBlockRange(500)
    expect(runtime.logsBlockRange).toBe(500)
    clock.advance(LEARNED_LOGS_RANGE_TTL_MS)
    expect(runtime.logsBlockRange).toBe(1_000)
  })

  it('notes the time of its last answer', () => {
    const { clock, runtime } = setup()
    expect(runtime.lastAnsweredAt).toBe(0)
    clock.advance(1_234)
    runtime.noteAnswered()
    expect(runtime.lastAnsweredAt).toBe(1_234)
  })

  describe('earliest state block (history-aware routing)', () => {
    const HEAD = 10_000

    it('knows nothing of a provider that never lacked state: it may be an archive node', () => {
      const { runtime } = setup()
      expect(runtime.earliestStateBlock(HEAD)).toBeUndefined()
      runtime.noteStateServed(5)
      expect(runtime.earliestStateBlock(HEAD)).toBeUndefined()
    })

    it('takes its configured window below its head', () => {
      const { runtime } = setup({ stateHistoryBlocks: 128 })
      expect(runtime.earliestStateBlock(HEAD)).toBe(HEAD - 127)
      expect(runtime.earliestStateBlock(50)).toBe(0)
      expect(runtime.earliestStateBlock(undefined)).toBeUndefined()
    })

    it('after a miss, takes only its newest 128 blocks until it serves older ones', () => {
      const { runtime } = setup()
      runtime.noteStateMissing(1_000)
      expect(runtime.earliestStateBlock(HEAD)).toBe(HEAD - 127)
      // Without a head, what the miss says: above 1,000.
      expect(runtime.earliestStateBlock(undefined)).toBe(1_001)
      runtime.noteStateServed(5_000)
      expect(runtime.earliestStateBlock(HEAD)).toBe(5_000)
      runtime.noteStateServed(2_000)
      expect(runtime.earliestStateBlock(HEAD)).toBe(2_000)
    })

    it('never puts the earliest block at or below a block it lacked', () => {
      const { runtime } = setup()
      runtime.noteStateMissing(9_990)
      expect(runtime.earliestStateBlock(HEAD)).toBe(9_991)
      runtime.noteStateMissing(9_000)
      expect(runtime.earliestStateBlock(HEAD)).toBe(9_991)
    })

    it('forgets a miss when it serves that block or an older one: one answer does not exile it', () => {
      const { runtime } = setup()
      runtime.noteStateMissing(1_000)
      runtime.noteStateServed(1_000)
      expect(runtime.earliestStateBlock(HEAD)).toBeUndefined()
    })

    it('forgets a served block when it then lacks a newer one: it pruned since', () => {
      const { runtime } = setup()
      runtime.noteStateServed(1_000)
      runtime.noteStateMissing(3_000)
      expect(runtime.earliestStateBlock(HEAD)).toBe(HEAD - 127)
    })

    it('forgets a miss after ten minutes', () => {
      const { clock, runtime } = setup()
      runtime.noteStateMissing(1_000)
      clock.advance(STATE_MISS_TTL_MS - 1)
      expect(runtime.earliestStateBlock(HEAD)).toBe(HEAD - 127)
      clock.advance(1)
      expect(runtime.earliestStateBlock(HEAD)).toBeUndefined()
    })

    it('a miss refines the configured window, and outlives it only while remembered', () => {
      const { clock, runtime } = setup({ stateHistoryBlocks: 1_000 })
      runtime.noteStateMissing(9_500)
      expect(runtime.earliestStateBlock(HEAD)).toBe(9_501)
      clock.advance(STATE_MISS_TTL_MS)
      expect(runtime.earliestStateBlock(HEAD)).toBe(HEAD - 999)
    })
  })
})
