import { ConfigError } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import { parseServerConfig } from '../config/server-config.js'
import { defaultInstanceId, redisUrlSecrets } from './cluster-config.js'

function issuesOf(input: unknown): string[] {
  try {
    parseServerConfig(input)
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  return []
}

describe('server.cluster', () => {
  it('is absent by default: the server stands alone', () => {
    expect(parseServerConfig().cluster).toBeUndefined()
  })

  it('fills its defaults around the Redis URL', () => {
    expect(parseServerConfig({ cluster: { redisUrl: 'redis://127.0.0.1:6379' } }).cluster).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      heartbeatIntervalMs: 2_000,
      keyPrefix: 'chainpulse:',
      peerEvidence: { maxAgeMs: 10_000, probeIntervalMs: 1_000 },
    })
  })

  it('takes peer evidence settings, or false to turn it off', () => {
    expect(
      parseServerConfig({ cluster: { redisUrl: 'redis://h:1', peerEvidence: false } }).cluster?.peerEvidence,
    ).toBe(false)
    expect(
      parseServerConfig({ cluster: { redisUrl: 'redis://h:1', peerEvidence: { maxAgeMs: 3_000 } } }).cluster
        ?.peerEvidence,
    ).toEqual({ maxAgeMs: 3_000, probeIntervalMs: 1_000 })
  })

  it('names each bad field by its path, never quoting the URL', () => {
    const issues = issuesOf({
      cluster: {
        redisUrl: 'http://user:hunter2hunter2@redis',
        instanceId: 'a b',
        heartbeatIntervalMs: 5,
        extra: 1,
      },
    })
    expect(issues).toEqual([
      'cluster.redisUrl: expected a redis:// or rediss:// URL',
      'cluster.instanceId: expected letters, digits, ".", "_", ":" or "-"',
      'cluster.heartbeatIntervalMs: Too small: expected number to be >=100',
      'cluster: Unrecognized key: "extra"',
    ])
    expect(issues.join('\n')).not.toContain('hunter2')
    expect(issuesOf({ cluster: {} })).toEqual([
      'cluster.redisUrl: Invalid input: expected string, received undefined',
    ])
  })
})

describe('defaultInstanceId', () => {
  it('is the hostname and pid with a random suffix, so two processes never share one', () => {
    const id = defaultInstanceId()
    expect(id).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{4}$`))
    expect(id).toMatch(/^[A-Za-z0-9._:-]+$/)
    expect(new Set(Array.from({ length: 20 }, defaultInstanceId)).size).toBeGreaterThan(1)
  })
})

describe('redisUrlSecrets', () => {
  it('masks the password (raw and decoded) and user:password, not the user alone', () => {
    expect(redisUrlSecrets('redis://chainpulse:p%40ssw0rd-long@redis:6379/0').sort()).toEqual(
      ['chainpulse:p%40ssw0rd-long', 'p%40ssw0rd-long', 'p@ssw0rd-long'].sort(),
    )
    expect(redisUrlSecrets('redis://:only-a-password@redis')).toContain('only-a-password')
    expect(redisUrlSecrets('redis://redis:6379')).toEqual([])
  })
})
