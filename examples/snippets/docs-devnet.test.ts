import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type DevnetManifest,
  LOG_EMITTER_CREATION_CODE,
  LOG_EMITTER_RUNTIME,
  PING_TOPIC,
} from '@chainpulse/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blocksCheckedBy, type DocBlock } from '../testing/doc-blocks.js'
import { runCommand, startCommand } from '../testing/run-command.js'

// The blocks of docs/devnet.md marked `checked-by` this file: the `pnpm devnet` command lines and the
// control API calls are run, the manifest sample and the emitter's bytecode listing compared.
const blocks = blocksCheckedBy(import.meta.url)
const checked = new Set<DocBlock>()
function block(matches: (block: DocBlock) => boolean): DocBlock {
  const found = blocks.filter((candidate) => candidate.page === 'docs/devnet.md' && matches(candidate))
  expect(found, 'one block of devnet.md').toHaveLength(1)
  checked.add(found[0]!)
  return found[0]!
}

// The commands are typed at the repository root, where `pnpm devnet` writes `--manifest devnet.json`;
// the test points that file at a scratch folder instead, in the command line and in the API calls.
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainpulse-docs-devnet-'))
})
const scratch = (text: string) => text.replaceAll('devnet.json', join(dir, 'devnet.json'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Starts a `pnpm devnet ...` line, returns its manifest (printed on stdout) and a way to stop it. */
async function devnetFrom(line: string) {
  const running = startCommand(scratch(line), { timeoutMs: 90_000 })
  // the manifest is pretty-printed JSON: its last line is the closing brace
  await running.waitForOutput(/^}$/m, 60_000)
  const manifest = JSON.parse(running.stdout) as DevnetManifest
  return {
    manifest,
    async stop() {
      running.signal('SIGTERM')
      await running.exited
      expect(running.stderr).toMatch(/stopping devnet/)
    },
  }
}

describe('docs/devnet.md', () => {
  const quickStart = () => block((candidate) => candidate.code.startsWith('pnpm devnet'))
  const line = (flags: string) =>
    quickStart()
      .code.split('\n')
      .find((text) => text.replace(/\s+#.*$/, '').trim() === `pnpm devnet${flags}`)!

  it('starts the default network: 3 chains x 4 providers with the documented presets', async () => {
    const { manifest, stop } = await devnetFrom(line(''))
    try {
      expect(manifest.seed).toBe(1)
      expect(manifest.chains.map((chain) => [chain.name, chain.chainId])).toEqual([
        ['ethereum', 1],
        ['polygon', 137],
        ['arbitrum', 42161],
      ])
      expect(
        manifest.providers.filter((provider) => provider.chain === 'polygon').map((p) => [p.id, p.profile]),
      ).toEqual([
        ['polygon-alpha', 'leader'],
        ['polygon-bravo', 'slow'],
        ['polygon-charlie', 'flaky'],
        ['polygon-delta', 'lagging'],
      ])
    } finally {
      await stop()
    }
  }, 90_000)

  it('writes the manifest file, which the control API calls use, and matches the manifest sample', async () => {
    const { manifest, stop } = await devnetFrom(line(' --manifest devnet.json'))
    try {
      const file = join(dir, 'devnet.json')
      expect(existsSync(file)).toBe(true)
      const written = JSON.parse(readFileSync(file, 'utf8')) as DevnetManifest
      expect(written.controlUrl).toBe(manifest.controlUrl)

      const sample = JSON.parse(block((candidate) => candidate.lang === 'json').code) as unknown
      expect(shapeMismatches(sample, written)).toEqual([])

      const calls = block((candidate) => candidate.code.startsWith('CONTROL='))
      const { code, stdout, stderr } = await runCommand(scratch(calls.code), { timeoutMs: 30_000 })
      expect(code, stderr).toBe(0)
      const answers = jsonValues(stdout) as {
        personality?: Record<string, unknown>
        [key: string]: unknown
      }[]
      expect(answers).toHaveLength(7)
      expect(answers[0]).toMatchObject({
        id: 'ethereum-alpha',
        personality: { latencyMs: 400, jitterMs: 50 },
      })
      expect(answers[1]).toMatchObject({ id: 'ethereum-bravo', personality: { errorRate: 0.3 } })
      expect(answers[2]).toMatchObject({ id: 'ethereum-alpha', personality: { mode: 'down' } })
      expect(answers[3]).toMatchObject({ id: 'ethereum-alpha', personality: { mode: 'up' } })
      expect(answers[4]).toMatchObject({ chain: 'polygon', profile: 'flaky' })
      expect(answers[5]).toEqual({ blockNumber: expect.any(Number) })
      // the reorg replaced the newest 3 blocks by new ones at the same heights
      const reorg = answers[6] as {
        depth: number
        replaced: { number: number }[]
        blocks: { number: number }[]
      }
      expect(reorg.depth).toBe(3)
      expect(reorg.blocks.map((block) => block.number)).toEqual(reorg.replaced.map((block) => block.number))
      expect(reorg.blocks).toHaveLength(3)
    } finally {
      await stop()
    }
  }, 90_000)

  it('starts one manually mined chain with three providers and the given seed', async () => {
    const { manifest, stop } = await devnetFrom(
      line(' --chains ethereum --providers 3 --block-time manual --seed 7'),
    )
    try {
      expect(manifest.seed).toBe(7)
      expect(manifest.chains).toEqual([expect.objectContaining({ name: 'ethereum', blockTime: 'manual' })])
      expect(manifest.providers.map((provider) => provider.id)).toEqual([
        'ethereum-alpha',
        'ethereum-bravo',
        'ethereum-charlie',
      ])
    } finally {
      await stop()
    }
  }, 90_000)

  it('lists the log emitter bytecode that is deployed', () => {
    const listing = block((candidate) => candidate.code.startsWith('36 '))
    const bytes = listing.code
      .trimEnd()
      .split('\n')
      .map((text) => text.split(/ {2,}/)[0]!.replace('<32 bytes>', PING_TOPIC.slice(2)).replace(/ /g, ''))
      .join('')
    expect(`0x${bytes}`).toBe(LOG_EMITTER_RUNTIME)
    expect(LOG_EMITTER_CREATION_CODE).toBe(`0x602d80600b6000396000f3${bytes}`)
  })
})

it('checks every block marked for it', () => {
  expect(blocks.length).toBeGreaterThan(0)
  expect(blocks.filter((candidate) => !checked.has(candidate)).map((b) => `${b.page}:${b.line}`)).toEqual([])
})

/** The JSON values printed one after another (curl prints each answer without a newline). */
function jsonValues(text: string): unknown[] {
  const values: unknown[] = []
  let depth = 0
  let start = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (inString) {
      if (char === '\\') index++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '{' && depth++ === 0) start = index
    else if (char === '}' && --depth === 0) values.push(JSON.parse(text.slice(start, index + 1)))
  }
  return values
}

/** Paths where the sample has a field the real value lacks, or of another JSON type; `"..."` stands for more. */
function shapeMismatches(sample: unknown, real: unknown, path = '$'): string[] {
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value)
  if (kind(sample) !== kind(real)) return [`${path}: ${kind(sample)} in the sample, ${kind(real)} for real`]
  if (Array.isArray(sample))
    return sample.flatMap((item, index) => shapeMismatches(item, (real as unknown[])[0], `${path}[${index}]`))
  if (kind(sample) !== 'object') return []
  return Object.entries(sample as Record<string, unknown>).flatMap(([key, value]) =>
    key === '...'
      ? []
      : key in (real as object)
        ? shapeMismatches(value, (real as Record<string, unknown>)[key], `${path}.${key}`)
        : [`${path}.${key}: not in the real manifest`],
  )
}
