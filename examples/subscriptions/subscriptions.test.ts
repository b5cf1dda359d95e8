import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The command in README.md, run as a reader would run it.
const [command] = blocksCheckedBy(import.meta.url)

it('delivers every block and log exactly once, in order, through a kill and a dropped connection', async () => {
  expect(command?.page).toBe('examples/subscriptions/README.md')
  const { code, stdout, stderr } = await runCommand(command!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)
  const lines = stdout.split('\n')
  expect(lines).toContain('ethereum-alpha is down')
  expect(lines).toContain('ethereum-bravo dropped its connections')

  const blocks = lines.flatMap((line) => {
    const match = /^block (\d+) (0x[0-9a-f]{64}) parent (0x[0-9a-f]{64})$/.exec(line)
    return match ? [{ number: Number(match[1]), hash: match[2]!, parent: match[3]! }] : []
  })
  expect(blocks.length).toBeGreaterThanOrEqual(12)
  for (let index = 1; index < blocks.length; index++) {
    expect(blocks[index]!.number).toBe(blocks[index - 1]!.number + 1)
    expect(blocks[index]!.parent).toBe(blocks[index - 1]!.hash)
  }

  const truth = /^the node has (\d+) logs in blocks (\d+) to (\d+)$/m.exec(stdout)
  expect(truth).not.toBeNull()
  const [, count, from, to] = truth!.map(Number) as [number, number, number, number]
  const logs = lines.flatMap((line) => {
    const match = /^log (\d+):(\d+) (0x[0-9a-f]{64})$/.exec(line)
    return match ? [{ block: Number(match[1]), key: `${match[3]}:${match[2]}` }] : []
  })
  const inRange = logs.filter((log) => log.block >= from && log.block <= to)
  expect(count).toBeGreaterThan(0)
  expect(inRange).toHaveLength(count)
  expect(new Set(logs.map((log) => log.key)).size).toBe(logs.length)
  // each log belongs to a delivered block
  const hashes = new Set(blocks.map((block) => block.hash))
  for (const log of logs) expect(hashes.has(log.key.split(':')[0]!)).toBe(true)
}, 70_000)
