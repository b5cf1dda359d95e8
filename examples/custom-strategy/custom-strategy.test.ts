import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The command in README.md, run as a reader would run it.
const [command] = blocksCheckedBy(import.meta.url)

it('routes eth_getLogs to the archive provider and other calls mostly to the fastest', async () => {
  expect(command?.page).toBe('examples/custom-strategy/README.md')
  const { code, stdout, stderr } = await runCommand(command!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)
  expect(stdout).toMatch(/^strategies: leaderboard, .*, cheapest-strict, archive-first$/m)
  expect(stdout).toMatch(/^eth_getLogs x5: ethereum-charlie 5$/m)

  const line = /^eth_blockNumber x30: (.*)$/m.exec(stdout)?.[1] ?? ''
  const counts: Record<string, number> = Object.fromEntries(
    line.split(', ').map((entry) => [entry.split(' ')[0], Number(entry.split(' ')[1])]),
  )
  // each provider is measured first (a few calls each); after that the fastest gets the calls
  expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(30)
  expect(counts['ethereum-alpha']).toBeGreaterThan(counts['ethereum-bravo']!)
  expect(counts['ethereum-alpha']).toBeGreaterThan(counts['ethereum-charlie']!)
}, 70_000)
