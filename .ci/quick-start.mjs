// CI step: the README's quick start on a fresh clone. Clones the current commit into an empty folder (no
// node_modules, nothing built), runs the first command line of the README's "Quick start" block verbatim,
// waits for the demo's /healthz and a JSON-RPC answer through the proxy, then stops it. The command is
// read from the README, never copied here, so the README cannot drift from what works.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const DEMO_URL = 'http://127.0.0.1:4000'
const STARTUP_TIMEOUT_MS = 300_000

const readme = readFileSync('README.md', 'utf8')
const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
const command = block?.split('\n').find((line) => line.trim() !== '')
if (!command) throw new Error('quick start: README.md has no ```sh block under "## Quick start"')
console.log(`README line 1: ${command}`)

const folder = mkdtempSync(join(tmpdir(), 'chainpulse-quick-start-'))
const clone = join(folder, 'chainpulse')
execFileSync('git', ['clone', '--quiet', '--no-local', '.', clone], { stdio: 'inherit' })
execFileSync('git', [
  '-C',
  clone,
  'checkout',
  '--quiet',
  execFileSync('git', ['rev-parse', 'HEAD']).toString().trim(),
])

// Its own process group, so stopping it reaches pnpm, the server and the anvil nodes behind it.
const demo = spawn('bash', ['-c', command], { cwd: clone, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
let output = ''
demo.stdout.on('data', (chunk) => (output += chunk))
demo.stderr.on('data', (chunk) => (output += chunk))
const exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve(code ?? signal)))
const stopGroup = (signal) => {
  try {
    process.kill(-demo.pid, signal)
  } catch {
    // Already gone.
  }
}

async function answered() {
  try {
    const health = await fetch(`${DEMO_URL}/healthz`)
    if (health.status !== 200) return undefined
    const response = await fetch(`${DEMO_URL}/rpc/ethereum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }),
    })
    const body = await response.json()
    return /^0x[0-9a-f]+$/.test(body.result ?? '') ? body.result : undefined
  } catch {
    return undefined
  }
}

let failure
try {
  const started = Date.now()
  let head
  while (head === undefined) {
    if (demo.exitCode !== null) throw new Error(`the command exited (${demo.exitCode}) before serving`)
    if (Date.now() - started > STARTUP_TIMEOUT_MS) throw new Error('no answer within 5 minutes')
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    head = await answered()
  }
  console.log(
    `  ✓ /healthz answers and eth_blockNumber through the proxy is ${head} (${Date.now() - started} ms)`,
  )
} catch (error) {
  failure = error
}
stopGroup('SIGTERM')
const killer = setTimeout(() => stopGroup('SIGKILL'), 20_000)
await exited
clearTimeout(killer)
rmSync(folder, { recursive: true, force: true })
if (failure) {
  console.error(output.split('\n').slice(-40).join('\n'))
  console.error(`quick start failed: ${failure.message}`)
  process.exit(1)
}
console.log('quick start: README line 1 works on a fresh clone')
