import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { type HeartbeatOptions, startHeartbeat } from './heartbeat.js'

/** An in-memory stand-in for the three commands the heartbeat uses; `down` makes each one reject. */
function fakeRedis() {
  const keys = new Map<string, string>()
  const sets = new Map<string, Set<string>>()
  const state = { down: false, ttls: [] as number[] }
  const fail = () => Promise.reject(new Error('Connection is closed.'))
  const redis = {
    set: (key: string, value: string, _px: 'PX', ttl: number) => {
      if (state.down) return fail()
      keys.set(key, value)
      state.ttls.push(ttl)
      return Promise.resolve('OK')
    },
    sadd: (key: string, member: string) => {
      if (state.down) return fail()
      const set = sets.get(key) ?? new Set<string>()
      sets.set(key, set.add(member))
      return Promise.resolve(1)
    },
    pexpire: () => (state.down ? fail() : Promise.resolve(1)),
    smembers: (key: string) => (state.down ? fail() : Promise.resolve([...(sets.get(key) ?? [])])),
    srem: (key: string, ...members: string[]) => {
      if (state.down) return fail()
      for (const member of members) sets.get(key)?.delete(member)
      return Promise.resolve(members.length)
    },
    mget: (...names: string[]) =>
      state.down ? fail() : Promise.resolve(names.map((name) => keys.get(name) ?? null)),
  }
  return { redis: redis as unknown as HeartbeatOptions['redis'], keys, sets, state }
}

const report = (requestsPerSecond: number) => () => ({
  startedAt: 1,
  version: '1.0.0',
  requestsPerSecond,
  providers: { healthy: 2, total: 3 },
})

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('startHeartbeat', () => {
  it('writes its own key with a TTL of three intervals and lists every live instance, itself first', async () => {
    const { redis, keys, state } = fakeRedis()
    const clock = createFakeClock()
    const options = { redis, keyPrefix: 'cp:', intervalMs: 2_000, clock, now: () => 5_000 }
    const b = startHeartbeat({ ...options, instanceId: 'b', report: report(7) })
    const a = startHeartbeat({ ...options, instanceId: 'a', report: report(3) })
    await a.beat()
    await b.beat()
    await a.beat()
    expect([...keys.keys()].sort()).toEqual(['cp:instance:a', 'cp:instance:b'])
    expect(new Set(state.ttls)).toEqual(new Set([6_000]))
    const members = a.members()
    expect(members.stale).toBe(false)
    expect(
      members.instances.map((instance) => [instance.instanceId, instance.self, instance.requestsPerSecond]),
    ).toEqual([
      ['a', true, 3],
      ['b', false, 7],
    ])
    a.stop()
    b.stop()
  })

  it('finds the instances through the index set, and drops an id whose heartbeat expired', async () => {
    const { redis, keys, sets } = fakeRedis()
    const clock = createFakeClock()
    const options = { redis, keyPrefix: 'cp:', intervalMs: 2_000, clock }
    const a = startHeartbeat({ ...options, instanceId: 'a', report: report(1) })
    const b = startHeartbeat({ ...options, instanceId: 'b', report: report(2) })
    await b.beat()
    await a.beat()
    expect(sets.get('cp:instances')).toEqual(new Set(['a', 'b']))
    expect(a.members().instances.map((instance) => instance.instanceId)).toEqual(['a', 'b'])
    // b stops; its key expires (three intervals in Redis): the next beat reads it as gone.
    b.stop()
    keys.delete('cp:instance:b')
    await a.beat()
    expect(a.members().instances.map((instance) => instance.instanceId)).toEqual(['a'])
    expect(sets.get('cp:instances')).toEqual(new Set(['a']))
    a.stop()
  })

  it('keeps the last list, marked stale, while Redis fails, and recovers on the next beat', async () => {
    const { redis, state } = fakeRedis()
    const clock = createFakeClock()
    const options = { redis, keyPrefix: 'cp:', intervalMs: 1_000, clock }
    const other = startHeartbeat({ ...options, instanceId: 'other', report: report(1) })
    await other.beat()
    const self = startHeartbeat({ ...options, instanceId: 'self', report: report(2) })
    await self.beat()
    expect(self.members().instances).toHaveLength(2)

    state.down = true
    clock.advance(1_000)
    await settle()
    await self.beat()
    expect(self.members().stale).toBe(true)
    expect(self.members().instances.map((instance) => instance.instanceId)).toEqual(['self', 'other'])

    state.down = false
    clock.advance(1_000)
    await settle()
    await self.beat()
    expect(self.members().stale).toBe(false)
    self.stop()
    other.stop()
  })
})
