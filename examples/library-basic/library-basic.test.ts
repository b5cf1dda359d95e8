import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The command in README.md, run as a reader would run it.
const [command] = blocksCheckedBy(import.meta.url)

it('answers every call while one provider is down, and streams consecutive blocks', async () => {
  expect(command?.page).toBe('examples/library-basic/README.md')
  const { code, stdout, stderr } = await runCommand(command!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)

  const calls = [...stdout.matchAll(/^eth_blockNumber (\d+) from ([\w-]+) after (\d+) attempt/gm)]
  expect(calls).toHaveLength(6)
  expect(calls.map(([, , provider]) => provider)).not.toContain('ethereum-alpha')
  // round-robin puts the dead provider first for some calls: those took a second attempt
  expect(calls.some(([, , , attempts]) => Number(attempts) > 1)).toBe(true)

  const blocks = [...stdout.matchAll(/^new block (\d+)$/gm)].map(([, number]) => Number(number))
  expect(blocks.length).toBeGreaterThanOrEqual(3)
  for (let index = 1; index < blocks.length; index++) expect(blocks[index]).toBe(blocks[index - 1]! + 1)
}, 70_000)
