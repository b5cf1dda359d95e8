import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The commands in README.md, run as a reader would run them; the README's placeholder keys are the
// fake values (nothing here contacts a provider).
const [check] = blocksCheckedBy(import.meta.url)
const keys = ['your-infura-key', 'your-alchemy-key']

it('passes config check, listing every chain and provider and never printing a key', async () => {
  expect(check?.page).toBe('examples/real-providers/README.md')
  for (const key of keys) expect(check!.code).toContain(key)
  const { code, stdout, stderr } = await runCommand(check!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)
  expect(stdout).toMatch(/^chainpulse\.yaml: OK$/m)
  for (const [chain, id] of [
    ['ethereum', 1],
    ['polygon', 137],
    ['arbitrum', 42161],
  ] as const) {
    expect(stdout).toContain(`${chain} (chain id ${id}): 2 providers, strategy fastest`)
    expect(stdout).toMatch(new RegExp(`^ {4}${chain}-infura: `, 'm'))
    expect(stdout).toMatch(new RegExp(`^ {4}${chain}-alchemy: `, 'm'))
  }
  expect(stdout).toMatch(/^rate limit: 200 per 1000 ms per client$/m)
  expect(stdout).toMatch(/^environment variables used: ALCHEMY_API_KEY, INFURA_API_KEY$/m)
  for (const key of keys) expect(stdout + stderr).not.toContain(key)
}, 70_000)

it('fails naming the variable when a key is missing', async () => {
  const withoutAlchemy = check!.code.replace(' ALCHEMY_API_KEY=your-alchemy-key', '')
  const { code, stdout, stderr } = await runCommand(withoutAlchemy, {
    timeoutMs: 60_000,
    env: { ALCHEMY_API_KEY: '' },
  })
  expect(code).toBe(1)
  expect(stderr).toMatch(
    /pool\.providers\.1 \(id "ethereum-alchemy"\)\.httpUrl: environment variable ALCHEMY_API_KEY is (not set|empty)/,
  )
  expect(stdout + stderr).not.toContain('your-infura-key')
}, 70_000)
