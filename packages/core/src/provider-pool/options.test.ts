import { describe, expect, it } from 'vitest'
import { consecutiveFailures } from '../circuit-breaker/consecutive-failures.js'
import { systemClock } from '../clock/clock.js'
import { ConfigError } from '../errors/errors.js'
import { providerPoolConfigJsonSchema } from './config-json-schema.js'
import { parseProviderPoolConfig, parseProviderPoolOptions } from './options.js'
import { createProviderPool } from './provider-pool.js'
import { TRANSACTION_FLOW_METHODS } from './sessions/sessions.js'

const secret = '0123456789abcdef0123456789abcdef'
const valid = {
  chains: [{ name: 'ethereum', chainId: 1 }],
  providers: [{ id: 'infura', chain: 'ethereum', httpUrl: `https://mainnet.infura.io/v3/${secret}` }],
}

function issuesOf(parse: (input: unknown) => unknown, input: unknown): string[] {
  try {
    parse(input)
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  return []
}

describe('parseProviderPoolConfig', () => {
  it('applies defaults to a valid config', () => {
    const config = parseProviderPoolConfig(valid)
    expect(config.providers[0]).toMatchObject({ priority: 0, defaultCost: 1 })
  })

  it('names the path of a provider on an unknown chain', () => {
    const issues = issuesOf(parseProviderPoolConfig, {
      ...valid,
      providers: [{ id: 'a', chain: 'solana', httpUrl: 'http://127.0.0.1:1' }],
    })
    expect(issues).toEqual(['providers.0.chain: unknown chain "solana" (known: ethereum)'])
  })

  it('rejects a provider with no URL, duplicate ids and duplicate chains', () => {
    const issues = issuesOf(parseProviderPoolConfig, {
      chains: [
        { name: 'ethereum', chainId: 1 },
        { name: 'ethereum', chainId: 1 },
      ],
      providers: [
        { id: 'a', chain: 'ethereum' },
        { id: 'a', chain: 'ethereum', wsUrl: 'ws://127.0.0.1:1' },
      ],
    })
    expect(issues).toContain('chains.1.name: duplicate chain name "ethereum"')
    expect(issues).toContain('chains.1.chainId: duplicate chain id 1')
    expect(issues).toContain('providers.0.httpUrl: a provider needs an httpUrl, a wsUrl or both')
    expect(issues).toContain('providers.1.id: duplicate provider id "a"')
  })

  it('never echoes an API key from a bad URL', () => {
    const error = (() => {
      try {
        parseProviderPoolConfig({
          ...valid,
          providers: [{ id: 'a', chain: 'ethereum', httpUrl: `ftp://x/${secret}` }],
        })
      } catch (caught) {
        return caught as ConfigError
      }
    })()
    expect(error?.message).toContain('providers.0.httpUrl')
    expect(error?.message).not.toContain(secret)
  })

  it('takes every knob a file can hold, and names in-process objects as unknown keys', () => {
    const upstream = { request: async () => ({ result: '0x1' }) }
    expect(
      issuesOf(parseProviderPoolConfig, {
        ...valid,
        providers: [{ id: 'mock', chain: 'ethereum', upstream }],
        requestDeadlineMs: 5_000,
        healthCheck: { intervalMs: 1_000 },
        unsupportedMethodTtlMs: 0,
        clock: systemClock,
        breaker: { tripRule: consecutiveFailures(3) },
      }),
    ).toEqual([
      'providers.0.upstream: unknown key (expected one of: id, chain, httpUrl, wsUrl, priority, costPerMethod, defaultCost, rateLimitPerSecond, maxLogsBlockRange, stateHistoryBlocks)',
      'providers.0.httpUrl: a provider needs an httpUrl, a wsUrl or both',
      'breaker.tripRule: unknown key (expected one of: failureThreshold, halfOpenAfterMs, halfOpenMaxProbes, successThreshold)',
      expect.stringMatching(/^clock: unknown key \(expected one of: chains, providers, strategy, /),
    ])
  })
})

describe('pool options', () => {
  it('reject an unknown key at every level, each at its path, all at once', () => {
    const issues = issuesOf(parseProviderPoolOptions, {
      chains: [{ name: 'ethereum', chainId: 1, blockTime: 12_000 }],
      providers: [{ id: 'a', chain: 'ethereum', httpURL: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1' }],
      stratgy: 'fastest',
      requestTimeoutMS: 2_000,
      hedge: { delay: 10 },
      healthCheck: { interval: 1_000 },
      breaker: { failureTreshold: 3 },
    })
    expect(issues).toEqual([
      'chains.0.blockTime: unknown key (did you mean "blockTimeMs"?)',
      'providers.0.httpURL: unknown key (did you mean "httpUrl"?)',
      'healthCheck.interval: unknown key (did you mean "intervalMs"?)',
      'hedge.delay: unknown key (did you mean "delayMs"?)',
      'breaker.failureTreshold: unknown key (did you mean "failureThreshold"?)',
      'stratgy: unknown key (did you mean "strategy"?)',
      'requestTimeoutMS: unknown key (did you mean "requestTimeoutMs"?)',
    ])
  })

  it('resolve to the defaults declared in the schema, each applied once', () => {
    const resolved = parseProviderPoolOptions({ chains: [{ name: 'ethereum', chainId: 1 }] })
    expect(resolved).toEqual({
      chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 12_000 }],
      providers: [],
      strategy: 'leaderboard',
      requestTimeoutMs: 10_000,
      requestDeadlineMs: 15_000,
      healthCheck: { intervalMs: 5_000, timeoutMs: 3_000 },
      unsupportedMethodTtlMs: 600_000,
      filters: { idleTimeoutMs: 300_000, maxPerClient: 100, maxTotal: 10_000, maxPendingChanges: 10_000 },
      sessions: {
        idleTtlMs: 300_000,
        maxSessions: 10_000,
        maxPerClient: 1_000,
        transactionFlow: { idleTtlMs: 30_000, methods: [...TRANSACTION_FLOW_METHODS] },
      },
      hedge: { minDelayMs: 50, maxDelayMs: 2_000, maxHedges: 2 },
      coalescing: true,
      maxLagBlocks: 3,
      defaultCooldownMs: 1_000,
      racing: true,
      headPollIntervalMs: 4_000,
      breaker: { failureThreshold: 5, halfOpenAfterMs: 10_000, halfOpenMaxProbes: 1, successThreshold: 1 },
      clock: systemClock,
      wallClock: Date.now,
    })
    // What a config file gets is the same, less the in-process objects.
    const { clock: _clock, wallClock: _wallClock, ...data } = resolved
    expect(parseProviderPoolConfig({ chains: [{ name: 'ethereum', chainId: 1 }] })).toEqual(data)
  })

  it('take sessions with the transaction flow off or with methods of its own, and check their bounds', () => {
    expect(parseProviderPoolOptions({ ...valid, sessions: { transactionFlow: false } }).sessions).toEqual({
      idleTtlMs: 300_000,
      maxSessions: 10_000,
      maxPerClient: 1_000,
      transactionFlow: false,
    })
    expect(
      parseProviderPoolOptions({ ...valid, sessions: { transactionFlow: { methods: ['eth_feeHistory'] } } })
        .sessions.transactionFlow,
    ).toEqual({ idleTtlMs: 30_000, methods: ['eth_feeHistory'] })
    expect(
      issuesOf(parseProviderPoolOptions, { ...valid, sessions: { maxSessions: 0, idleTTLMs: 1 } }),
    ).toEqual([
      expect.stringMatching(/^sessions\.maxSessions: /),
      'sessions.idleTTLMs: unknown key (did you mean "idleTtlMs"?)',
    ])
  })

  it('derive the probe timeout from a shorter attempt timeout, and keep a trip rule without a threshold', () => {
    const tripRule = consecutiveFailures(2)
    const resolved = parseProviderPoolOptions({
      ...valid,
      requestTimeoutMs: 1_000,
      hedge: {},
      breaker: { tripRule },
    })
    expect(resolved.healthCheck).toEqual({ intervalMs: 5_000, timeoutMs: 1_000 })
    expect(resolved.hedge).toEqual({ minDelayMs: 50, maxDelayMs: 2_000, maxHedges: 2 })
    expect(resolved.breaker).toEqual({
      tripRule,
      halfOpenAfterMs: 10_000,
      halfOpenMaxProbes: 1,
      successThreshold: 1,
    })
    expect(parseProviderPoolOptions({ ...valid, healthCheck: false }).healthCheck).toBe(false)
    expect(
      issuesOf(parseProviderPoolOptions, { ...valid, breaker: { tripRule, failureThreshold: 2 } }),
    ).toEqual(['breaker.tripRule: give failureThreshold or tripRule, not both'])
  })

  it('check values, injected objects, and that `strategies` names known chains', () => {
    expect(
      issuesOf(parseProviderPoolOptions, {
        ...valid,
        requestTimeoutMs: 0,
        maxLagBlocks: 1.5,
        racing: 'yes',
        clock: { now: () => 0 },
        fetch: 'fetch',
      }),
    ).toEqual([
      'requestTimeoutMs: Too small: expected number to be >0',
      'maxLagBlocks: Invalid input: expected int, received number',
      'racing: Invalid input: expected boolean, received string',
      'clock: expected a Clock ({ now, setTimeout, clearTimeout })',
      'fetch: expected a function',
    ])
    // Checks across options (like zod's refinements) run once each option is valid on its own.
    expect(issuesOf(parseProviderPoolOptions, { ...valid, strategies: { etherum: 'fastest' } })).toEqual([
      'strategies.etherum: unknown chain "etherum" (known: ethereum)',
    ])
  })

  it('are parsed by createProviderPool before it starts anything', () => {
    expect(() =>
      createProviderPool({ ...valid, requestTimeoutMS: 2_000 } as Parameters<typeof createProviderPool>[0]),
    ).toThrow('requestTimeoutMS: unknown key (did you mean "requestTimeoutMs"?)')
  })
})

describe('providerPoolConfigJsonSchema', () => {
  it('describes every field, with the defaults the schema declares', () => {
    const schema = providerPoolConfigJsonSchema()
    expect(schema.required).toEqual(['chains'])
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties?.requestTimeoutMs).toEqual({
      type: 'number',
      exclusiveMinimum: 0,
      default: 10_000,
      description: expect.stringMatching(/^Timeout of each attempt/),
    })
    expect(schema.properties?.chains?.items?.properties?.name?.pattern).toBe('^[a-z0-9][a-z0-9_-]*$')
    expect(schema.properties?.healthCheck?.anyOf?.[1]?.properties?.timeoutMs?.default).toBe(3_000)
  })
})
