import { expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { runCommand } from '../testing/run-command.js'

// The command in README.md, run as a reader would run it.
const [command] = blocksCheckedBy(import.meta.url)

it('reads and sends a transfer through ethers with a provider down', async () => {
  expect(command?.page).toBe('examples/ethers-eip1193/README.md')
  const { code, stdout, stderr } = await runCommand(command!.code, { timeoutMs: 60_000 })
  expect(code, stderr).toBe(0)
  expect(stdout).toMatch(/^network chain id 1$/m)
  expect(stdout).toMatch(/^ethereum-alpha is down\nblock number \d+$/m)
  expect(stdout).toMatch(/^transfer mined in block \d+, status 1$/m)
  expect(stdout).toMatch(/^recipient balance \+1\.5 ETH$/m)
}, 70_000)
