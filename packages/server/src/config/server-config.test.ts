import { ConfigError } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import { parseServerConfig } from './server-config.js'

function issuesOf(input: unknown): string[] {
  try {
    parseServerConfig(input)
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  return []
}

describe('parseServerConfig', () => {
  it('fills every default from nothing', () => {
    expect(parseServerConfig()).toEqual({
      rpc: {
        bodyLimitBytes: 1_048_576,
        maxBatchSize: 100,
        maxJsonDepth: 64,
        methods: { deny: [], enable: [] },
      },
      ws: {
        maxMessageBytes: 1_048_576,
        maxSubscriptionsPerConnection: 100,
        maxBufferedBytes: 4_194_304,
        maxPendingMessages: 64,
        rateLimit: { max: 100, timeWindowMs: 1_000 },
        inboundByteRate: { bytesPerSecond: 2_097_152, burstBytes: 8_388_608 },
        maxConnections: 10_000,
        upgradeRateLimit: { max: 60, timeWindowMs: 10_000 },
      },
      http: {
        maxConnectionsPerIp: 256,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 72_000,
      },
      rateLimit: { max: 100, timeWindowMs: 1_000 },
      cors: { origins: '*', maxAgeSeconds: 600 },
      trustProxy: false,
      logLevel: 'info',
      demo: false,
      api: {
        scoreHistory: { intervalMs: 5_000, samples: 360 },
        stream: {
          snapshotIntervalMs: 1_000,
          maxQueuedMessages: 256,
          maxBufferedBytes: 1_048_576,
          maxConnections: 100,
        },
        load: { maxRatePerSecond: 500, maxClients: 100, maxDurationMs: 600_000 },
      },
      cache: { maxBytes: 67_108_864, finalityDepth: 64 },
      metrics: { nodeMetrics: true, methods: [] },
    })
  })

  it('fills nested defaults around the values given', () => {
    const config = parseServerConfig({ rpc: { methods: { allow: ['eth_*'] } }, rateLimit: { max: 5 } })
    expect(config.rpc.methods).toEqual({ allow: ['eth_*'], deny: [], enable: [] })
    expect(config.rpc.maxBatchSize).toBe(100)
    expect(config.rateLimit).toEqual({ max: 5, timeWindowMs: 1_000 })
  })

  it('turns the rate limit off', () => {
    expect(parseServerConfig({ rateLimit: false }).rateLimit).toBe(false)
  })

  it('keeps the default deny list when deny is given: deny adds to it', () => {
    const config = parseServerConfig({ rpc: { methods: { deny: ['eth_getLogs'] } } })
    expect(config.rpc.methods).toEqual({ deny: ['eth_getLogs'], enable: [] })
  })

  it.each([
    [['debug_*']],
    [['debug_traceTransaction', 'anvil_*', 'eth_sendTransaction']],
    [['*']],
    [['eth_*']],
  ])('accepts enable %j: each entry lifts part of the default deny list', (enable) => {
    expect(parseServerConfig({ rpc: { methods: { enable } } }).rpc.methods.enable).toEqual(enable)
  })

  it('refuses an enable entry that matches nothing denied by default', () => {
    expect(issuesOf({ rpc: { methods: { enable: ['debug_*', 'eth_call'] } } })).toEqual([
      expect.stringMatching(
        /^rpc\.methods\.enable\.1: "eth_call" is not denied by default, so there is nothing to enable/,
      ),
    ])
  })

  it('refuses an allow entry the default deny list would still block, naming the fix', () => {
    expect(issuesOf({ rpc: { methods: { allow: ['eth_*', 'debug_traceCall', 'anvil_*'] } } })).toEqual([
      'rpc.methods.allow.1: "debug_traceCall" is denied by default (node debugging and tracing): add it to rpc.methods.enable as well to serve it',
      'rpc.methods.allow.2: "anvil_*" is denied by default (development-node state control): add it to rpc.methods.enable as well to serve it',
    ])
  })

  it('accepts an allow entry that enable opens, and broad allow entries only partly denied', () => {
    const methods = { allow: ['eth_*', '*', 'debug_traceCall'], enable: ['debug_*'] }
    expect(parseServerConfig({ rpc: { methods } }).rpc.methods).toEqual({ ...methods, deny: [] })
  })

  it('names the path of each bad field', () => {
    const issues = issuesOf({
      rpc: { maxBatchSize: 0, bodyLimitBytes: 'big', methods: { deny: ['eth_*call'] } },
      auth: { apiKeys: [] },
      rateLimit: { max: -1 },
      logLevel: 'loud',
      extra: true,
    })
    const paths = issues.map((issue) => issue.split(':')[0])
    expect(paths).toEqual(
      expect.arrayContaining([
        'rpc.maxBatchSize',
        'rpc.bodyLimitBytes',
        'rpc.methods.deny.0',
        'auth.apiKeys',
        'logLevel',
        '',
      ]),
    )
  })

  it('turns the per-IP connection cap off with false, and takes no other non-number', () => {
    expect(parseServerConfig({ http: { maxConnectionsPerIp: false } }).http.maxConnectionsPerIp).toBe(false)
    expect(issuesOf({ http: { maxConnectionsPerIp: true } })).toEqual([
      'http.maxConnectionsPerIp: expected a whole number of connections from 1 to 1000000, or false for no cap',
    ])
  })

  it.each([
    [{ maxConnectionsPerIp: 0 }, 'http.maxConnectionsPerIp: Too small: expected number to be >=1'],
    [
      { maxConnectionsPerIp: 2.5 },
      'http.maxConnectionsPerIp: expected a whole number of connections from 1 to 1000000, or false for no cap',
    ],
    [{ headersTimeoutMs: 0 }, 'http.headersTimeoutMs: Too small: expected number to be >=100'],
    [{ requestTimeoutMs: '30s' }, 'http.requestTimeoutMs: Invalid input: expected number, received string'],
    [{ keepAliveTimeoutMs: 99 }, 'http.keepAliveTimeoutMs: Too small: expected number to be >=100'],
    [{ idleTimeoutMs: 1_000 }, 'http: Unrecognized key: "idleTimeoutMs"'],
  ])('refuses http %j with the path of the bad field', (http, issue) => {
    expect(issuesOf({ http })).toEqual([issue])
  })

  it('refuses a headers timeout longer than the request timeout (Node would throw on it)', () => {
    expect(issuesOf({ http: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } })).toEqual([
      'http.headersTimeoutMs: must be at most http.requestTimeoutMs (10000): the headers are part of the request',
    ])
    // Lowering only the request timeout below the default headers timeout is caught too.
    expect(issuesOf({ http: { requestTimeoutMs: 5_000 } })).toEqual([
      'http.headersTimeoutMs: must be at most http.requestTimeoutMs (5000): the headers are part of the request',
    ])
  })

  it('takes exact method names for the metrics, not patterns or arbitrary text', () => {
    expect(parseServerConfig({ metrics: { methods: ['zks_getBridgeContracts'] } }).metrics).toEqual({
      nodeMetrics: true,
      methods: ['zks_getBridgeContracts'],
    })
    const issues = issuesOf({ metrics: { methods: ['zks_getBridgeContracts', 'zks_*', 'eth call', 'x'] } })
    expect(issues.map((issue) => issue.split(':')[0])).toEqual([
      'metrics.methods.1',
      'metrics.methods.2',
      'metrics.methods.3',
    ])
  })

  it('refuses short API keys without echoing them', () => {
    const issues = issuesOf({ auth: { apiKeys: ['tiny-key'] } })
    expect(issues).toEqual(['auth.apiKeys.0: an API key needs at least 16 characters'])
  })
})
