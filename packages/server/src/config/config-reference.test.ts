import { readFileSync } from 'node:fs'
import { type JsonSchema, parseProviderPoolConfig } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import * as zm from 'zod/mini'
import { described, renderConfigReference } from './config-reference.js'
import { configurationPage } from './configuration-page.js'
import { poolSectionJsonSchema } from './pool-section.js'

/**
 * Every non-object default the schema documents below `node`, with what `value` (core's resolved
 * config) holds at the same path; a field whose parent `value` lacks (a `false` hedge) is skipped.
 */
function documentedDefaults(node: JsonSchema, value: unknown, path: string): [string, unknown, unknown][] {
  const object = node.properties ? node : (node.items ?? node.anyOf?.find((branch) => branch.properties))
  if (!object?.properties || value === null || typeof value !== 'object') return []
  const here = Array.isArray(value) ? value[0] : value
  return Object.entries(object.properties).flatMap(([key, field]) => {
    const actual = (here as Record<string, unknown> | undefined)?.[key]
    const own: [string, unknown, unknown][] =
      'default' in field && (field.default === null || typeof field.default !== 'object')
        ? [[`${path}.${key}`, field.default, actual]]
        : []
    return [...own, ...documentedDefaults(field, actual, `${path}.${key}`)]
  })
}

describe('docs/configuration.md', () => {
  it('is what `pnpm docs:config` generates from the schemas (run it after changing a schema)', () => {
    const committed = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8')
    expect(committed).toBe(configurationPage())
  })

  it("documents core's pool defaults: each one is what core resolves a minimal pool section to", () => {
    const schema = poolSectionJsonSchema()
    const minimal = {
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'a', chain: 'ethereum', httpUrl: 'http://127.0.0.1:1' }],
    }
    const checked = documentedDefaults(schema, parseProviderPoolConfig(minimal), 'pool')
    for (const [path, documented, resolved] of checked) expect(resolved, path).toEqual(documented)
    expect(new Set(checked.map(([path]) => path))).toEqual(
      new Set([
        'pool.chains.blockTimeMs',
        'pool.providers.priority',
        'pool.providers.defaultCost',
        'pool.strategy',
        'pool.requestTimeoutMs',
        'pool.requestDeadlineMs',
        'pool.coalescing',
        'pool.healthCheck.intervalMs',
        'pool.healthCheck.timeoutMs',
        'pool.unsupportedMethodTtlMs',
        'pool.filters.idleTimeoutMs',
        'pool.filters.maxPerClient',
        'pool.filters.maxTotal',
        'pool.filters.maxPendingChanges',
        'pool.sessions.idleTtlMs',
        'pool.sessions.maxSessions',
        'pool.sessions.maxPerClient',
        'pool.sessions.transactionFlow.idleTtlMs',
        'pool.hedge.minDelayMs',
        'pool.hedge.maxDelayMs',
        'pool.hedge.maxHedges',
        'pool.maxLagBlocks',
        'pool.defaultCooldownMs',
        'pool.racing',
        'pool.headPollIntervalMs',
        'pool.breaker.failureThreshold',
        'pool.breaker.halfOpenAfterMs',
        'pool.breaker.halfOpenMaxProbes',
        'pool.breaker.successThreshold',
      ]),
    )
    expect(configurationPage()).toMatch(
      /^\| `healthCheck` +\| `false` or object +\| `\{ intervalMs: 5000, timeoutMs: 3000 \}` /m,
    )
  })

  it('documents the server defaults a reader asks about', () => {
    const page = configurationPage()
    expect(page).toMatch(/^\| `rateLimit` +\| `false` or object \| `\{ max: 100, timeWindowMs: 1000 \}` /m)
    expect(page).toMatch(
      /^\| `apiKeys` +\| string\[\] +\| \*\*required\*\* +\| at least 1, each 16 to 512 characters /m,
    )
    expect(page).toContain('### `server.ws`')
    expect(page).toContain('### `pool.providers[]`')
  })
})

describe('renderConfigReference', () => {
  const render = (schema: z.core.$ZodType) =>
    renderConfigReference([{ key: 'demo', schema, intro: 'A section.', required: true }], '# Title')

  it('lists type, default, allowed values and description, with nested objects in their own table', () => {
    const page = render(
      z.strictObject({
        port: described('The port.', z.number().int().min(0).max(65_535).default(4000)),
        level: described('How loud.', z.enum(['quiet', 'loud']).optional()),
        limit: described(
          'A limit or none.',
          z
            .union([
              z.literal(false),
              z.strictObject({ max: described('At most.', z.number().int().positive().default(5)) }),
            ])
            .prefault({}),
        ),
      }),
    )
    expect(page).toContain('## `demo`\n\nA section.')
    expect(page).toMatch(/\| `port` +\| integer +\| `4000` +\| 0 to 65535 +\| The port\. +\|/)
    expect(page).toMatch(/\| `level` +\| string +\| — +\| `quiet`, `loud` +\| How loud\. +\|/)
    // `{}` with defaulted fields takes effect as those fields' defaults
    expect(page).toMatch(
      /\| `limit` +\| `false` or object +\| `\{ max: 5 \}` +\| +\| A limit or none\. Fields: \[`demo.limit`\]\(#demolimit\)\. +\|/,
    )
    expect(page).toContain('### `demo.limit`')
    expect(page).toMatch(/\| `max` +\| integer +\| `5` +\| > 0 +\| At most\. +\|/)
  })

  it('refuses a field without a description', () => {
    expect(() => render(z.object({ described: described('Yes.', z.string()), bare: z.number() }))).toThrow(
      'demo.bare: no description',
    )
  })

  it('reads zod/mini schemas too, so a section can move to a package that uses it', () => {
    const schema = zm.object({
      timeoutMs: zm
        .optional(zm.number())
        .register(zm.globalRegistry, { description: 'Per attempt.', default: 10 }),
    })
    expect(render(schema)).toMatch(/\| `timeoutMs` +\| number +\| `10` +\| +\| Per attempt\. +\|/)
  })
})
