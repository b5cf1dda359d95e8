// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files reference environment variables as ${NAME}
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, parseProviderPoolConfig } from '@chainpulse/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfigFile, parseConfigText } from './load-config.js'

const INFURA_KEY = 'f00dfeedcafe0123456789abcdef0123'
const env = { INFURA_API_KEY: INFURA_KEY, ADMIN_TOKEN: 'admin-token-0123456789', CHAIN_NAME: 'ethereum' }

const yamlConfig = `
server:
  logLevel: warn
  auth:
    apiKeys:
      - \${ADMIN_TOKEN}
pool:
  strategy: fastest
  hedge: { minDelayMs: 20 }
  chains:
    - { name: ethereum, chainId: 1 }
  providers:
    - id: infura
      chain: ethereum
      httpUrl: https://mainnet.infura.io/v3/\${INFURA_API_KEY}
      wsUrl: wss://mainnet.infura.io/ws/v3/\${INFURA_API_KEY}
    - id: local
      chain: ethereum
      httpUrl: http://127.0.0.1:8545
listen: { port: 8080 }
persistence: { path: state/benchmarks.json }
`

/** The issues of the ConfigError `run` throws, as `path: message` lines. */
function issuesOf(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseConfigText', () => {
  it('reads YAML, replaces ${NAME} with the environment and applies defaults', () => {
    const { config } = parseConfigText(yamlConfig, { env, baseDir: '/srv/chainpulse' })
    expect(config.pool.providers?.[0]?.httpUrl).toBe(`https://mainnet.infura.io/v3/${INFURA_KEY}`)
    expect(config.pool.providers?.[0]?.wsUrl).toBe(`wss://mainnet.infura.io/ws/v3/${INFURA_KEY}`)
    expect(config.pool.strategy).toBe('fastest')
    expect(config.pool.hedge).toEqual({ minDelayMs: 20, maxDelayMs: 2_000, maxHedges: 2 })
    expect(config.server).toMatchObject({ logLevel: 'warn', auth: { apiKeys: [env.ADMIN_TOKEN] } })
    expect(config.listen).toEqual({ port: 8080, host: '127.0.0.1' })
    expect(config.persistence).toEqual({ path: '/srv/chainpulse/state/benchmarks.json', intervalMs: 30_000 })
  })

  it('reads the same config as JSON', () => {
    const json = JSON.stringify({
      pool: {
        chains: [{ name: 'ethereum', chainId: 1 }],
        providers: [
          { id: 'infura', chain: 'ethereum', httpUrl: 'https://mainnet.infura.io/v3/${INFURA_API_KEY}' },
        ],
      },
    })
    const { config } = parseConfigText(json, { format: 'json', env })
    expect(config.pool.providers?.[0]?.httpUrl).toBe(`https://mainnet.infura.io/v3/${INFURA_KEY}`)
    expect(config.persistence).toBeUndefined()
    expect(config.listen).toEqual({ port: 4000, host: '127.0.0.1' })
  })

  it('collects every interpolated value and the key parts of provider URLs as secrets', () => {
    const { secrets } = parseConfigText(
      `${yamlConfig.replace('http://127.0.0.1:8545', 'https://eth.example.com/v2/literalkey0123456789abcdef')}`,
      { env },
    )
    expect(secrets).toEqual(
      expect.arrayContaining([INFURA_KEY, env.ADMIN_TOKEN, 'literalkey0123456789abcdef']),
    )
  })

  it('collects literal keys of every shape in provider URLs as secrets', () => {
    const { secrets } = parseConfigText(
      `
pool:
  chains: [{ name: polygon_zkevm, chainId: 1101 }]
  providers:
    - { id: short, chain: polygon_zkevm, httpUrl: "https://a.example/v3/Qk8v2Lmz" }
    - { id: fifteen, chain: polygon_zkevm, httpUrl: "https://a.example/v3/SECRETKEY123abc" }
    - { id: dotted, chain: polygon_zkevm, httpUrl: "https://a.example/rpc/pqr.stu.vwx9" }
    - { id: queried, chain: polygon_zkevm, httpUrl: "https://a.example/?x-api-key=XAK-7f3e&access_key=acc3ss77&foo=f00bar9" }
    - { id: userinfo, chain: polygon_zkevm, wsUrl: "wss://rpcuser:Pa55-w0rd@a.example/#frag-s3cret" }
    - { id: named, chain: polygon_zkevm, httpUrl: "https://a.example/polygon_zkevm/named/LongKey0123456789abcdef" }
`,
      { env: {} },
    )
    for (const secret of [
      'Qk8v2Lmz',
      'SECRETKEY123abc',
      'pqr.stu.vwx9',
      'XAK-7f3e',
      'acc3ss77',
      'f00bar9',
      'rpcuser',
      'Pa55-w0rd',
      'frag-s3cret',
      'LongKey0123456789abcdef',
    ])
      expect(secrets).toContain(secret)
    // The chain name and a provider id in a path are shown by the API anyway: masking them would only
    // blank the dashboard's labels.
    expect(secrets).not.toContain('polygon_zkevm')
    expect(secrets).not.toContain('named')
  })

  it('names the path and the variable when a variable is missing, and no other value', () => {
    const error = (() => {
      try {
        parseConfigText(yamlConfig, { env: { INFURA_API_KEY: INFURA_KEY } })
      } catch (caught) {
        return caught as ConfigError
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.issues).toEqual([
      { path: 'server.auth.apiKeys.0', message: 'environment variable ADMIN_TOKEN is not set' },
    ])
    expect(error?.message).not.toContain(INFURA_KEY)
  })

  it('treats an empty variable as missing, and uses ${NAME:-fallback} when given', () => {
    const text = 'pool: { chains: [{ name: "${CHAIN:-ethereum}", chainId: 1 }], strategy: "${STRATEGY}" }'
    expect(issuesOf(() => parseConfigText(text, { env: { STRATEGY: '' } }))).toEqual([
      'pool.strategy: environment variable STRATEGY is empty',
    ])
    const { config, secrets } = parseConfigText(text, { env: { STRATEGY: 'round-robin' } })
    expect(config.pool.chains[0]?.name).toBe('ethereum')
    expect(config.pool.strategy).toBe('round-robin')
    expect(secrets).toEqual(['round-robin'])
  })

  it('keeps $${...} as a literal ${...}', () => {
    const text =
      'pool: { chains: [{ name: ethereum, chainId: 1 }], providers: [{ id: a, chain: ethereum, httpUrl: "http://h/$${X}" }] }'
    const { config } = parseConfigText(text, { env: {} })
    expect(config.pool.providers?.[0]?.httpUrl).toBe('http://h/${X}')
  })

  it('names the path of each invalid field, the pool part validated as core validates it', () => {
    const text = `
server: { rpc: { maxBatchSize: 0 } }
pool:
  stratgy: fastest
  chains: [{ name: ethereum, chainId: 1 }]
  providers:
    - { id: a, chain: ethereum, httpUrl: http://127.0.0.1:1 }
    - { id: b, chain: ethereum, httpUrl: http://127.0.0.1:2 }
    - { id: c, chain: ethereum, httpUrl: "ftp://example.com" }
    - { id: d, chain: solana, httpURL: http://127.0.0.1:3 }
`
    // Every problem at once: the file's own checks and core's, each at its path.
    expect(issuesOf(() => parseConfigText(text, { env: {} })).sort()).toEqual([
      'pool.providers.2 (id "c").httpUrl: expected an http(s) URL, got "ftp://example.com"',
      'pool.providers.3 (id "d").chain: unknown chain "solana" (known: ethereum)',
      'pool.providers.3 (id "d").httpURL: unknown key (did you mean "httpUrl"?)',
      'pool.providers.3 (id "d").httpUrl: a provider needs an httpUrl, a wsUrl or both',
      'pool.stratgy: unknown key (did you mean "strategy"?)',
      'server.rpc.maxBatchSize: Too small: expected number to be >0',
    ])
  })

  it('reports a problem both the file and core see once', () => {
    const text = 'pool: { chains: [{ name: ethereum, chainId: "1" }, { name: "bad name", chainId: 2 }] }'
    expect(issuesOf(() => parseConfigText(text, { env: {} })).sort()).toEqual([
      'pool.chains.0.chainId: Invalid input: expected number, received string',
      'pool.chains.1.name: expected letters, digits, "-" or "_"',
    ])
  })

  // The file describes chains and providers for the docs and its unknown-key check; core decides what
  // is valid. The file must never reject a value core accepts, nor let through one core rejects.
  it.each<[string, { chains?: unknown[]; providers?: Record<string, unknown>[] }]>([
    ['chainId 0', { chains: [{ name: 'a', chainId: 0 }] }],
    ['chainId 1.5', { chains: [{ name: 'a', chainId: 1.5 }] }],
    ['blockTimeMs 0', { chains: [{ name: 'a', chainId: 1, blockTimeMs: 0 }] }],
    ['blockTimeMs 0.5', { chains: [{ name: 'a', chainId: 1, blockTimeMs: 0.5 }] }],
    ['chain name _a', { chains: [{ name: '_a', chainId: 1 }] }],
    ['chain name A-b_9', { chains: [{ name: 'A-b_9', chainId: 1 }] }],
    ['priority -3', { providers: [{ priority: -3 }] }],
    ['priority 0.5', { providers: [{ priority: 0.5 }] }],
    ['defaultCost 0', { providers: [{ defaultCost: 0 }] }],
    ['defaultCost -1', { providers: [{ defaultCost: -1 }] }],
    ['costPerMethod 0', { providers: [{ costPerMethod: { eth_call: 0 } }] }],
    ['costPerMethod -1', { providers: [{ costPerMethod: { eth_call: -1 } }] }],
    ['rateLimitPerSecond 0.5', { providers: [{ rateLimitPerSecond: 0.5 }] }],
    ['rateLimitPerSecond 0', { providers: [{ rateLimitPerSecond: 0 }] }],
    ['wsUrl only', { providers: [{ httpUrl: undefined, wsUrl: 'ws://127.0.0.1:1' }] }],
    ['httpUrl ws://', { providers: [{ httpUrl: 'ws://127.0.0.1:1' }] }],
  ])('agrees with core on %s', (_name, change) => {
    const provider = { id: 'p', chain: 'a', httpUrl: 'http://127.0.0.1:1', ...change.providers?.[0] }
    const pool = { chains: change.chains ?? [{ name: 'a', chainId: 1 }], providers: [provider] }
    const coreAccepts = (() => {
      try {
        parseProviderPoolConfig(pool)
        return true
      } catch {
        return false
      }
    })()
    const fileAccepts = (() => {
      try {
        parseConfigText(JSON.stringify({ pool }), { format: 'json', env: {} })
        return true
      } catch {
        return false
      }
    })()
    expect(fileAccepts).toBe(coreAccepts)
  })

  it("takes every pool knob core takes, with core's defaults, and rejects a typo'd one by its path", () => {
    const { config } = parseConfigText(
      `
pool:
  chains: [{ name: ethereum, chainId: 1 }]
  requestDeadlineMs: 8000
  healthCheck: { intervalMs: 2000 }
  unsupportedMethodTtlMs: 0
`,
      { env: {} },
    )
    expect(config.pool).toMatchObject({
      requestDeadlineMs: 8_000,
      healthCheck: { intervalMs: 2_000, timeoutMs: 3_000 },
      unsupportedMethodTtlMs: 0,
      requestTimeoutMs: 10_000,
      strategy: 'leaderboard',
      providers: [],
    })
    expect(
      issuesOf(() =>
        parseConfigText(
          'pool: { chains: [{ name: ethereum, chainId: 1 }], requestTimeoutMS: 2000, breaker: { halfOpenAfter: 1 } }',
          { env: {} },
        ),
      ),
    ).toEqual([
      'pool.breaker.halfOpenAfter: unknown key (did you mean "halfOpenAfterMs"?)',
      'pool.requestTimeoutMS: unknown key (did you mean "requestTimeoutMs"?)',
    ])
  })

  it('refuses what only code can give: a provider upstream, a clock, a breaker trip rule', () => {
    const issues = issuesOf(() =>
      parseConfigText(
        JSON.stringify({
          pool: {
            chains: [{ name: 'ethereum', chainId: 1 }],
            providers: [{ id: 'a', chain: 'ethereum', httpUrl: 'http://127.0.0.1:1', upstream: {} }],
            clock: {},
            breaker: { tripRule: {} },
          },
        }),
        { format: 'json', env: {} },
      ),
    )
    expect(issues).toEqual([
      expect.stringMatching(
        /^pool\.providers\.0 \(id "a"\)\.upstream: unknown key \(expected one of: id, chain, /,
      ),
      expect.stringMatching(/^pool\.breaker\.tripRule: unknown key /),
      expect.stringMatching(/^pool\.clock: unknown key /),
    ])
  })

  it('reports every problem at once, each provider by its id, a missing variable and a top-level typo included', () => {
    const text = `
lisen: { port: 8080 }
pool:
  chains: [{ name: ethereum, chainId: 1 }]
  requestTimeoutMs: -1
  strategies: { ethereum: fastets }
  providers:
    - { id: infura, chain: ethereum, httpUrl: "https://mainnet.infura.io/v3/\${INFURA_API_KEY}" }
    - { id: alchemy, chain: ethereum, httpUrl: "eth-mainnet.g.alchemy.com/v2/\${ALCHEMY_API_KEY}" }
    - { chain: ethereum, wsUrl: "ws://127.0.0.1:8546" }
    - { id: local, chain: ethereum, wsUrl: "http://127.0.0.1:8545", priorty: 1 }
`
    expect(
      issuesOf(() => parseConfigText(text, { env: { ALCHEMY_API_KEY: 'alchemy-key-0123456789' } })),
    ).toEqual([
      'pool.providers.0 (id "infura").httpUrl: environment variable INFURA_API_KEY is not set',
      'lisen: unknown key',
      'pool.providers.1 (id "alchemy").httpUrl: expected an http(s) URL, got "eth-mainnet.g.alchemy.com/***"',
      'pool.providers.2.id: Invalid input: expected string, received undefined',
      'pool.providers.3 (id "local").wsUrl: expected a ws(s) URL, got "http://127.0.0.1:8545"',
      'pool.providers.3 (id "local").priorty: unknown key (did you mean "priority"?)',
      'pool.requestTimeoutMs: Too small: expected number to be >0',
      'pool.strategies.ethereum: unknown strategy "fastets" (expected one of: leaderboard, priority, round-robin, fastest, cheapest, hybrid)',
    ])
  })

  it('rejects an unknown strategy name listing the built-in ones', () => {
    const issues = issuesOf(() =>
      parseConfigText('pool: { chains: [{ name: ethereum, chainId: 1 }], strategy: fastets }', { env: {} }),
    )
    expect(issues).toEqual([expect.stringMatching(/^pool\.strategy: .*leaderboard/)])
  })

  it('masks environment values in validation messages', () => {
    const secret = 'not-a-url-but-a-secret-0123'
    const issues = issuesOf(() =>
      parseConfigText(
        'pool: { chains: [{ name: ethereum, chainId: 1 }], providers: [{ id: a, chain: ethereum, httpUrl: "${URL}" }] }',
        { env: { URL: secret } },
      ),
    )
    expect(issues.join('\n')).toContain('pool.providers.0 (id "a").httpUrl')
    expect(issues.join('\n')).not.toContain(secret)
  })

  it('reports YAML and JSON syntax errors with a position but without quoting the text', () => {
    const literal = 'sk_live_0123456789abcdef'
    const yaml = issuesOf(() => parseConfigText(`pool:\n  chains: [\n  key: ${literal}\n  "x`, { env: {} }))
    expect(yaml[0]).toMatch(/^: not valid YAML at line \d+, column \d+/)
    expect(yaml.join('\n')).not.toContain(literal)
    const json = issuesOf(() => parseConfigText(`{"key": "${literal}",}`, { format: 'json', env: {} }))
    expect(json).toEqual([expect.stringMatching(/^: not valid JSON( at line 1, column \d+)?$/)])
  })

  it('requires a pool with at least one chain', () => {
    expect(issuesOf(() => parseConfigText('server: {}', { env: {} }))).toEqual([
      expect.stringMatching(/^pool: /),
    ])
    expect(issuesOf(() => parseConfigText('pool: { chains: [] }', { env: {} }))).toEqual([
      expect.stringMatching(/^pool\.chains: /),
    ])
  })
})

describe('loadConfigFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-config-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('picks JSON by extension and YAML otherwise, resolving persistence against the file folder', async () => {
    await writeFile(join(dir, 'a.yml'), yamlConfig)
    await writeFile(
      join(dir, 'b.json'),
      JSON.stringify({
        pool: { chains: [{ name: 'ethereum', chainId: 1 }] },
        persistence: { path: 'snap.json' },
      }),
    )
    const yaml = await loadConfigFile(join(dir, 'a.yml'), { env })
    expect(yaml.config.persistence?.path).toBe(join(dir, 'state/benchmarks.json'))
    const json = await loadConfigFile('b.json', { env, cwd: dir })
    expect(json.config.persistence?.path).toBe(join(dir, 'snap.json'))
  })

  it('says so when the file does not exist', async () => {
    await expect(loadConfigFile(join(dir, 'nope.yaml'), { env })).rejects.toMatchObject({
      issues: [{ path: '', message: 'file not found' }],
    })
  })
})
