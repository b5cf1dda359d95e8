import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Clock } from '../clock/clock.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { CircuitOpenError, ConfigError } from '../errors/errors.js'
import { type CircuitBreaker, type CircuitStateChange, createCircuitBreaker } from './circuit-breaker.js'
import { failureRatio } from './failure-ratio.js'

const boom = () => Promise.reject(new Error('boom'))
const ok = () => Promise.resolve('ok')

function deferred<T = string>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

async function failTimes(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await breaker.execute(boom).catch(() => {})
}

function recordChanges(breaker: CircuitBreaker) {
  const changes: CircuitStateChange[] = []
  breaker.onStateChange((change) => changes.push(change))
  return changes
}

describe('createCircuitBreaker: closed', () => {
  it('opens on the fifth consecutive failure by default, and not before', async () => {
    const breaker = createCircuitBreaker({ clock: createFakeClock() })
    await failTimes(breaker, 4)
    expect(breaker.state).toBe('closed')
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
  })

  it('opens on the Nth consecutive failure for a configured failureThreshold', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2, clock: createFakeClock() })
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('closed')
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
  })

  it('a success resets the consecutive failure count', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3, clock: createFakeClock() })
    await failTimes(breaker, 2)
    await breaker.execute(ok)
    await failTimes(breaker, 2)
    expect(breaker.state).toBe('closed')
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
  })

  it('is open, and has told its listeners, before the tripping call rejects', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, clock: createFakeClock() })
    const order: string[] = []
    breaker.onStateChange(({ to }) => order.push(`event:${to}`))
    await breaker.execute(boom).catch(() => order.push(`rejected while ${breaker.state}`))
    expect(order).toEqual(['event:open', 'rejected while open'])
  })

  it('opens synchronously inside recordFailure', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, clock: createFakeClock() })
    const permit = breaker.tryAcquire()
    breaker.recordFailure(permit, new Error('503'))
    expect(breaker.state).toBe('open')
  })

  it('passes the result through and the signal to the function', async () => {
    const breaker = createCircuitBreaker({ clock: createFakeClock() })
    const controller = new AbortController()
    const seen = await breaker.execute(({ signal }) => signal, controller.signal)
    expect(seen).toBe(controller.signal)
    await expect(breaker.execute(() => 42)).resolves.toBe(42)
  })

  it('reports the tripping error and retryAt in the state-change event', async () => {
    const clock = createFakeClock(1_000)
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 2_000, clock })
    const changes = recordChanges(breaker)
    const error = new Error('503')
    await breaker.execute(() => Promise.reject(error)).catch(() => {})
    expect(changes).toEqual([
      { from: 'closed', to: 'open', at: 1_000, reason: 'tripped', retryAt: 3_000, error },
    ])
  })

  it('opens by failure ratio once minimumCalls are in the window', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({
      tripRule: failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 4 }),
      clock,
    })
    await breaker.execute(ok)
    await failTimes(breaker, 2) // 2 of 3 failed, but fewer than 4 calls
    expect(breaker.state).toBe('closed')
    await breaker.execute(ok)
    await failTimes(breaker, 1) // 3 of 5 failed
    expect(breaker.state).toBe('open')
  })
})

describe('createCircuitBreaker: open', () => {
  it('rejects with CircuitOpenError carrying retryAt, without calling the function', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ name: 'alpha', failureThreshold: 1, halfOpenAfterMs: 500, clock })
    await failTimes(breaker, 1)
    clock.advance(100)
    let calls = 0
    const error = await breaker
      .execute(() => {
        calls++
        return 'called'
      })
      .catch((caught: unknown) => caught)
    expect(calls).toBe(0)
    expect(error).toBeInstanceOf(CircuitOpenError)
    expect((error as CircuitOpenError).retryAt).toBe(500)
    expect((error as CircuitOpenError).message).toContain('"alpha"')
    expect(breaker.tryAcquire()).toBe(0)
  })

  it('turns half-open after exactly halfOpenAfterMs, firing the event from its timer', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock })
    const changes = recordChanges(breaker)
    await failTimes(breaker, 1)
    clock.advance(999)
    expect(changes.map((change) => change.to)).toEqual(['open'])
    clock.advance(1)
    expect(changes[1]).toEqual({ from: 'open', to: 'half-open', at: 1_000, reason: 'cooldown-elapsed' })
  })

  it('turns half-open when read after the delay even if its timer never fired', async () => {
    const fake = createFakeClock()
    const lazyClock: Clock = { now: fake.now, setTimeout: () => 0, clearTimeout: () => {} }
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock: lazyClock })
    await failTimes(breaker, 1)
    fake.advance(999)
    expect(breaker.state).toBe('open')
    fake.advance(1)
    expect(breaker.state).toBe('half-open')
  })

  it('ignores a late failure of a call that started before it opened, even once half-open', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock })
    const early = breaker.tryAcquire()
    await failTimes(breaker, 1)
    clock.advance(1_000)
    breaker.recordFailure(early, new Error('late'))
    expect(breaker.state).toBe('half-open')
  })
})

describe('createCircuitBreaker: half-open', () => {
  async function halfOpen(options: Parameters<typeof createCircuitBreaker>[0] = {}) {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock, ...options })
    await failTimes(breaker, 1)
    clock.advance(1_000)
    expect(breaker.state).toBe('half-open')
    return { breaker, clock }
  }

  it('lets at most halfOpenMaxProbes concurrent calls through and rejects the rest', async () => {
    const { breaker } = await halfOpen({ halfOpenMaxProbes: 2, successThreshold: 3 })
    const first = deferred()
    const second = deferred()
    const running = [breaker.execute(() => first.promise), breaker.execute(() => second.promise)]
    let thirdCalled = false
    await expect(
      breaker.execute(() => {
        thirdCalled = true
        return 'third'
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError)
    expect(thirdCalled).toBe(false)
    first.resolve('one')
    await running[0]
    // A finished probe frees its slot.
    await expect(breaker.execute(ok)).resolves.toBe('ok')
    second.resolve('two')
    await running[1]
    expect(breaker.state).toBe('closed')
  })

  it('closes after successThreshold successful probes, not before', async () => {
    const { breaker } = await halfOpen({ successThreshold: 2 })
    const changes = recordChanges(breaker)
    await breaker.execute(ok)
    expect(breaker.state).toBe('half-open')
    await breaker.execute(ok)
    expect(breaker.state).toBe('closed')
    expect(changes).toEqual([{ from: 'half-open', to: 'closed', at: 1_000, reason: 'probes-succeeded' }])
  })

  it('starts a fresh failure count after closing', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 1_000, clock })
    await failTimes(breaker, 2)
    clock.advance(1_000)
    await breaker.execute(ok)
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('closed')
  })

  it('re-opens on a failed probe, with a new half-open timer', async () => {
    const { breaker, clock } = await halfOpen()
    const changes = recordChanges(breaker)
    clock.advance(250)
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
    expect(changes[0]).toMatchObject({
      from: 'half-open',
      to: 'open',
      reason: 'probe-failed',
      retryAt: 2_250,
    })
    clock.advance(999)
    expect(breaker.state).toBe('open')
    clock.advance(1)
    expect(changes.at(-1)).toMatchObject({ to: 'half-open', at: 2_250 })
  })

  it('does not count a success of a call that started before it opened as a probe', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock })
    const early = breaker.tryAcquire()
    await failTimes(breaker, 1)
    clock.advance(1_000)
    breaker.recordSuccess(early)
    expect(breaker.state).toBe('half-open')
  })

  it('release frees a probe slot without closing or re-opening', async () => {
    const { breaker } = await halfOpen()
    const permit = breaker.tryAcquire()
    expect(permit).not.toBe(0)
    expect(breaker.tryAcquire()).toBe(0)
    breaker.release(permit)
    expect(breaker.state).toBe('half-open')
    expect(breaker.tryAcquire()).not.toBe(0)
  })

  it('reports retryAt = now when every probe slot is taken', async () => {
    const { breaker, clock } = await halfOpen()
    clock.advance(7)
    breaker.tryAcquire()
    await expect(breaker.execute(ok)).rejects.toMatchObject({ name: 'CircuitOpenError', retryAt: 1_007 })
  })
})

describe('createCircuitBreaker: which errors count', () => {
  class RevertError extends Error {}
  const reverted = () => Promise.reject(new RevertError('execution reverted'))

  it('rethrows errors isFailure rejects without counting them', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 2,
      isFailure: (error) => !(error instanceof RevertError),
      clock: createFakeClock(),
    })
    await failTimes(breaker, 1)
    for (let i = 0; i < 5; i++) await expect(breaker.execute(reverted)).rejects.toBeInstanceOf(RevertError)
    expect(breaker.state).toBe('closed')
    // Non-failures do not reset the consecutive count either: they say nothing about the provider.
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
  })

  it('frees the probe slot on a non-failure in half-open without closing', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      halfOpenAfterMs: 10,
      isFailure: (error) => !(error instanceof RevertError),
      clock,
    })
    await failTimes(breaker, 1)
    clock.advance(10)
    await breaker.execute(reverted).catch(() => {})
    expect(breaker.state).toBe('half-open')
    await breaker.execute(ok)
    expect(breaker.state).toBe('closed')
  })

  it('does not count errors thrown after the caller aborted', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, clock: createFakeClock() })
    const controller = new AbortController()
    const call = breaker.execute(({ signal }) => {
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
    }, controller.signal)
    controller.abort()
    await expect(call).rejects.toThrow()
    expect(breaker.state).toBe('closed')
  })

  it('rejects with the abort reason without calling the function when the signal already aborted', async () => {
    const breaker = createCircuitBreaker({ clock: createFakeClock() })
    const controller = new AbortController()
    const reason = new Error('stop')
    controller.abort(reason)
    let called = false
    await expect(
      breaker.execute(() => {
        called = true
      }, controller.signal),
    ).rejects.toBe(reason)
    expect(called).toBe(false)
  })

  it('counts an error as a failure when isFailure itself throws', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      isFailure: () => {
        throw new Error('classifier bug')
      },
      clock: createFakeClock(),
    })
    await expect(breaker.execute(boom)).rejects.toThrow('boom')
    expect(breaker.state).toBe('open')
  })
})

describe('createCircuitBreaker: persistence', () => {
  it('round-trips an open breaker, keeping its remaining open time on the new clock', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 10_000, clock })
    await failTimes(breaker, 1)
    clock.advance(4_000)
    const snapshot = JSON.parse(JSON.stringify(breaker))
    expect(snapshot).toEqual({ version: 1, state: 'open', remainingOpenMs: 6_000 })

    const laterClock = createFakeClock(50_000)
    const restored = createCircuitBreaker({
      halfOpenAfterMs: 10_000,
      initialState: snapshot,
      clock: laterClock,
    })
    const changes = recordChanges(restored)
    expect(restored.state).toBe('open')
    await expect(restored.execute(ok)).rejects.toMatchObject({ retryAt: 56_000 })
    laterClock.advance(6_000)
    expect(changes).toEqual([{ from: 'open', to: 'half-open', at: 56_000, reason: 'cooldown-elapsed' }])
  })

  it('round-trips a half-open breaker with its probe successes', async () => {
    const clock = createFakeClock()
    const options = { failureThreshold: 1, halfOpenAfterMs: 100, successThreshold: 2, clock }
    const breaker = createCircuitBreaker(options)
    await failTimes(breaker, 1)
    clock.advance(100)
    await breaker.execute(ok)
    const snapshot = breaker.toJSON()
    expect(snapshot).toEqual({ version: 1, state: 'half-open', successes: 1 })

    const restored = createCircuitBreaker(options)
    const changes = recordChanges(restored)
    restored.restore(snapshot)
    expect(changes).toEqual([{ from: 'closed', to: 'half-open', at: 100, reason: 'restored' }])
    await restored.execute(ok)
    expect(restored.state).toBe('closed')
  })

  it('restore ignores permits issued before it', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, clock: createFakeClock() })
    const before = breaker.tryAcquire()
    breaker.restore({ version: 1, state: 'closed' })
    breaker.recordFailure(before)
    expect(breaker.state).toBe('closed')
  })

  it('rejects an invalid snapshot with a ConfigError naming the field', () => {
    const breaker = createCircuitBreaker({ clock: createFakeClock() })
    const bad = { version: 1, state: 'open', remainingOpenMs: -5 } as const
    expect(() => breaker.restore(bad)).toThrow(ConfigError)
    expect(() => breaker.restore(bad)).toThrow(/remainingOpenMs/)
  })
})

describe('createCircuitBreaker: listeners and lifecycle', () => {
  it('stops calling a listener once it unsubscribes', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 10, clock })
    const seen: string[] = []
    const unsubscribe = breaker.onStateChange(({ to }) => seen.push(to))
    await failTimes(breaker, 1)
    unsubscribe()
    unsubscribe()
    clock.advance(10)
    expect(seen).toEqual(['open'])
  })

  it('keeps working, and keeps notifying other listeners, when a listener throws', async () => {
    const clock = createFakeClock()
    const reported: unknown[] = []
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      halfOpenAfterMs: 10,
      clock,
      onListenerError: (error) => reported.push(error),
    })
    const listenerError = new Error('listener bug')
    breaker.onStateChange(() => {
      throw listenerError
    })
    const seen = recordChanges(breaker)
    await expect(breaker.execute(boom)).rejects.toThrow('boom')
    clock.advance(10)
    await breaker.execute(ok)
    expect(seen.map((change) => change.to)).toEqual(['open', 'half-open', 'closed'])
    expect(reported).toEqual([listenerError, listenerError, listenerError])
  })

  it('delivers changes caused by a listener after the change being delivered', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      halfOpenAfterMs: 0,
      clock: createFakeClock(),
    })
    const seen: string[] = []
    breaker.onStateChange(({ to }) => {
      // Reading the state applies the due half-open transition from inside this listener.
      if (to === 'open') void breaker.state
    })
    breaker.onStateChange(({ from, to }) => seen.push(`${from}→${to}`))
    await failTimes(breaker, 1)
    expect(seen).toEqual(['closed→open', 'open→half-open'])
  })

  it('dispose cancels the half-open timer; the transition then happens when the breaker is next used', async () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 10, clock })
    await failTimes(breaker, 1)
    expect(clock.pendingTimers()).toBe(1)
    breaker.dispose()
    expect(clock.pendingTimers()).toBe(0)
    clock.advance(10)
    await expect(breaker.execute(ok)).resolves.toBe('ok')
  })
})

describe('createCircuitBreaker: options', () => {
  it('rejects failureThreshold together with tripRule', () => {
    expect(() => createCircuitBreaker({ failureThreshold: 3, tripRule: failureRatio() })).toThrow(
      /failureThreshold or tripRule/,
    )
  })

  it('names the bad path of an invalid option', () => {
    expect(() => createCircuitBreaker({ halfOpenMaxProbes: 0 })).toThrow(ConfigError)
    expect(() => createCircuitBreaker({ halfOpenMaxProbes: 0 })).toThrow(/halfOpenMaxProbes/)
    expect(() => createCircuitBreaker({ clock: {} as Clock })).toThrow(/clock/)
  })
})

describe('createCircuitBreaker: state machine properties', () => {
  type Step =
    | { kind: 'acquire' }
    | { kind: 'settle'; outcome: 'success' | 'failure' | 'release'; pick: number }
    | { kind: 'advance'; ms: number }

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: 'acquire' }),
    fc.record({
      kind: fc.constant('settle' as const),
      outcome: fc.constantFrom('success' as const, 'failure' as const, 'release' as const),
      pick: fc.nat(),
    }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }),
  )

  it('never grants a call while open, never exceeds the probe limit, and only makes legal transitions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(step, { minLength: 30, maxLength: 200 }),
        (failureThreshold, halfOpenMaxProbes, successThreshold, steps) => {
          const clock = createFakeClock()
          const breaker = createCircuitBreaker({
            failureThreshold,
            halfOpenMaxProbes,
            successThreshold,
            halfOpenAfterMs: 100,
            clock,
          })
          const legal = new Set(['closed→open', 'open→half-open', 'half-open→open', 'half-open→closed'])
          let last = 'closed'
          breaker.onStateChange(({ from, to }) => {
            expect(from).toBe(last)
            expect(legal.has(`${from}→${to}`)).toBe(true)
            last = to
          })
          const outstanding: number[] = []
          for (const current of steps) {
            if (current.kind === 'advance') {
              clock.advance(current.ms)
            } else if (current.kind === 'acquire') {
              const before = breaker.state
              const permit = breaker.tryAcquire()
              if (before === 'open') expect(permit).toBe(0)
              if (permit) outstanding.push(permit)
              if (breaker.state === 'half-open') {
                const probes = outstanding.filter((candidate) => candidate === permit).length
                expect(probes).toBeLessThanOrEqual(halfOpenMaxProbes)
              }
            } else if (outstanding.length > 0) {
              const [permit] = outstanding.splice(current.pick % outstanding.length, 1) as [number]
              if (current.outcome === 'success') breaker.recordSuccess(permit)
              else if (current.outcome === 'failure') breaker.recordFailure(permit)
              else breaker.release(permit)
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('tryAcquireProbe', () => {
  it('turns an open breaker half-open at once, and the probe decides', () => {
    const clock = createFakeClock()
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 60_000, clock })
    const changes: CircuitStateChange[] = []
    breaker.onStateChange((change) => changes.push(change))
    breaker.recordFailure(breaker.tryAcquire())
    expect(breaker.state).toBe('open')
    expect(breaker.tryAcquire()).toBe(0)
    const probe = breaker.tryAcquireProbe()
    expect(probe).not.toBe(0)
    expect(breaker.state).toBe('half-open')
    // The probe holds the only half-open slot: a client request gets none.
    expect(breaker.tryAcquire()).toBe(0)
    breaker.recordSuccess(probe)
    expect(breaker.state).toBe('closed')
    expect(changes.map((change) => [change.to, change.reason])).toEqual([
      ['open', 'tripped'],
      ['half-open', 'probe-requested'],
      ['closed', 'probes-succeeded'],
    ])
  })

  it('gives an ordinary permit on a closed breaker, and reopens on a failed probe', () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 1,
      halfOpenAfterMs: 60_000,
      clock: createFakeClock(),
    })
    const permit = breaker.tryAcquireProbe()
    expect(breaker.state).toBe('closed')
    breaker.recordFailure(permit)
    expect(breaker.state).toBe('open')
    breaker.recordFailure(breaker.tryAcquireProbe())
    expect(breaker.state).toBe('open')
  })
})
