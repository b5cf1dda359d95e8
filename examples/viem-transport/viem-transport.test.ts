import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The command in README.md, run as a reader would run it.
const [command] = blocksCheckedBy(import.meta.url)

it('reports every block once and in order while two providers die', async () => {
  expect(command?.page).toBe('examples/viem-transport/README.md')
  const { code, stdout, stderr } = await runCommand(command!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)

  const lines = stdout.split('\n')
  const blocks = lines.flatMap((line) => /^block (\d+)$/.exec(line)?.[1] ?? []).map(Number)
  for (let index = 1; index < blocks.length; index++) expect(blocks[index]).toBe(blocks[index - 1]! + 1)
  for (const id of ['ethereum-alpha', 'ethereum-bravo']) {
    const killedAt = lines.indexOf(`${id} is down`)
    expect(killedAt, `${id} killed`).toBeGreaterThan(0)
    expect(lines[killedAt + 1]).toMatch(/^getBlockNumber \d+$/)
    // the stream goes on after each kill
    expect(lines.slice(killedAt).filter((line) => /^block \d+$/.test(line)).length).toBeGreaterThanOrEqual(3)
  }
}, 70_000)
