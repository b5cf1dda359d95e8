import { parseConfigText } from '@chainpulse/server'
import { describe, expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'

// The blocks of docs/operations.md marked `checked-by` this file: config samples, loaded as the CLI
// loads them.
const blocks = blocksCheckedBy(import.meta.url)

describe('docs/operations.md', () => {
  it("loads the cluster section of 'Running several instances', the Redis password kept secret", () => {
    const [block] = blocks.filter((candidate) => candidate.code.includes('cluster:'))
    expect(block?.lang).toBe('yaml')
    // The page shows the section every instance adds to its config: here, beside a one-provider pool.
    const pool =
      'pool:\n  chains: [{ name: ethereum, chainId: 1 }]\n  providers: [{ id: a, chain: ethereum, httpUrl: "http://127.0.0.1:8545" }]\n'
    const loaded = parseConfigText(pool + block!.code, {
      env: { REDIS_URL: 'redis://:s3cret-pass@redis.internal:6379/0' },
    })
    expect(loaded.config.server.cluster).toMatchObject({
      redisUrl: 'redis://:s3cret-pass@redis.internal:6379/0',
    })
    expect(loaded.secrets).toContain('redis://:s3cret-pass@redis.internal:6379/0')
  })
})
