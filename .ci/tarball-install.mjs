// CI step: what a stranger gets from npm. Packs every publishable package (deploy/pack.sh), installs the
// tarballs with npm into empty projects the way the Dockerfile does (deploy/install.sh), then runs the
// first commands a user would: --version, config check, serve (through deploy/start.sh) against a real
// anvil node (alone, and in cluster mode over a real redis-server), demo with and without
// @chainpulse/devnet installed, and @chainpulse/redis beside core
// sharing a message and a cache entry between two instances through a real redis-server. Run from the
// repository root after `pnpm build`; exits non-zero on the first failure.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const work = mkdtempSync(join(tmpdir(), 'chainpulse-tarballs-'))
const children = new Set()
const cleanup = () => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
process.on('exit', cleanup)

function check(condition, what) {
  if (!condition) throw new Error(`tarball install: ${what}`)
  console.log(`  ✓ ${what}`)
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options })
}

/** Runs a command to completion, resolving with its exit code and output (never throws on exit code). */
function outcome(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Starts a long-running process; resolves once `ready(stderr)` holds, with the process and its output. */
function start(command, args, options, ready, timeoutMs = 60_000) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false, ...options })
  children.add(child)
  const output = { stdout: '', stderr: '' }
  child.stdout.on('data', (chunk) => (output.stdout += chunk))
  child.stderr.on('data', (chunk) => (output.stderr += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output.stderr}`)), timeoutMs)
    const poll = setInterval(() => {
      if (ready(output)) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve({ child, output })
      }
    }, 100)
    child.on('exit', (code) => {
      clearInterval(poll)
      clearTimeout(timer)
      if (!ready(output)) reject(new Error(`${command} exited with ${code}: ${output.stderr}`))
    })
  })
}

function stop({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => {
      children.delete(child)
      resolve(code)
    })
    child.kill('SIGTERM')
  })
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return response.json()
}

const version = JSON.parse(readFileSync('packages/server/package.json', 'utf8')).version
const tarballs = join(work, 'tarballs')
const app = join(work, 'app')
const demoApp = join(work, 'app-with-devnet')

console.log('pack')
run('sh', ['deploy/pack.sh', tarballs], { stdio: 'inherit' })

console.log('install (core + redis + server, as the Dockerfile does)')
run('sh', ['deploy/install.sh', tarballs, app], { stdio: 'inherit' })
const installed = (name) => {
  try {
    readFileSync(join(app, 'node_modules', name, 'package.json'))
    return true
  } catch {
    return false
  }
}
check(
  installed('@chainpulse/server') && installed('@chainpulse/core') && installed('@chainpulse/redis'),
  'server, core and redis (cluster mode) installed with npm',
)
check(
  !installed('@chainpulse/devnet') && !installed('@chainpulse/demo-web'),
  'neither devnet nor demo-web installed',
)
const chainpulse = join(app, 'node_modules', '.bin', 'chainpulse')

console.log('chainpulse --version / --help')
check(run(chainpulse, ['--version']).trim() === version, `--version prints ${version}`)
check(run(chainpulse, ['--help']).includes('chainpulse serve --config'), '--help prints the usage')

console.log('chainpulse demo without the devnet')
const noDevnet = await outcome(chainpulse, ['demo', '--port', '0', '--no-snapshot'], { cwd: app })
check(noDevnet.code === 1, 'demo exits 1')
check(
  noDevnet.stderr.trim().split('\n').length === 1 &&
    noDevnet.stderr.includes('npm install @chainpulse/devnet'),
  `demo says in one line what to install: ${noDevnet.stderr.trim()}`,
)

console.log("chainpulse config check on the server README's example")
const readme = readFileSync(join(app, 'node_modules/@chainpulse/server/README.md'), 'utf8')
const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1]
check(example !== undefined, 'the installed README has a YAML example')
writeFileSync(join(app, 'chainpulse.yaml'), example)
const fakeKeys = {
  INFURA_API_KEY: 'infura-key-0123456789abcdef',
  ALCHEMY_API_KEY: 'alchemy-key-0123456789abcdef',
}
const checked = await outcome(chainpulse, ['config', 'check', 'chainpulse.yaml'], {
  cwd: app,
  env: { ...process.env, ...fakeKeys },
})
check(checked.code === 0, `config check passes (${checked.stderr.trim() || 'ok'})`)
check(
  !Object.values(fakeKeys).some((key) => checked.stdout.includes(key) || checked.stderr.includes(key)),
  'config check prints no key',
)

console.log('install with the devnet (for demo)')
run('sh', ['deploy/install.sh', tarballs, demoApp], {
  stdio: 'inherit',
  env: { ...process.env, CHAINPULSE_WITH_DEVNET: '1' },
})

console.log('chainpulse serve (deploy/start.sh) against an anvil node')
const anvilPort = await freePort()
const anvil = await start(
  join(demoApp, 'node_modules', '.bin', 'anvil'),
  ['--port', String(anvilPort), '--chain-id', '1', '--block-time', '1'],
  {},
  (output) => output.stdout.includes('Listening on'),
)
const serveConfig = join(work, 'serve.yaml')
writeFileSync(
  serveConfig,
  [
    'pool:',
    '  chains: [{ name: ethereum, chainId: 1 }]',
    '  providers:',
    `    - { id: local-anvil, chain: ethereum, httpUrl: "http://127.0.0.1:${anvilPort}", wsUrl: "ws://127.0.0.1:${anvilPort}" }`,
  ].join('\n'),
)
const servePort = await freePort()
const base = `http://127.0.0.1:${servePort}`
const serve = await start(
  'sh',
  ['deploy/start.sh'],
  {
    env: {
      ...process.env,
      CHAINPULSE_HOME: app,
      CHAINPULSE_CONFIG: serveConfig,
      HOST: '127.0.0.1',
      PORT: String(servePort),
    },
  },
  (output) => output.stderr.includes(`${base}/healthz`),
)
check((await fetch(`${base}/healthz`)).status === 200, 'GET /healthz answers 200')
const chainId = await rpc(`${base}/rpc/ethereum`, 'eth_chainId')
check(chainId.result === '0x1', `eth_chainId through the proxy answers 0x1 (${JSON.stringify(chainId)})`)
const dashboard = await fetch(`${base}/`)
check(
  dashboard.status === 200 && (await dashboard.text()).includes('<div id="app">'),
  'the dashboard shipped in the package is served at /',
)
check((await stop(serve)) === 0, 'serve exits 0 on SIGTERM')
const logLines = serve.output.stdout.split('\n').filter(Boolean)
check(
  logLines.every((line) => {
    try {
      JSON.parse(line)
      return true
    } catch {
      return false
    }
  }),
  `stdout holds only JSON log lines (${logLines.length})`,
)

console.log('chainpulse serve in cluster mode (server.cluster) over a real redis-server')
const redisPort = await freePort()
const redisPassword = 'tarball-cluster-password'
const redisServer = await start(
  'redis-server',
  [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--requirepass',
    redisPassword,
  ],
  {},
  (output) => output.stdout.includes('Ready to accept connections'),
)
const clusterConfig = join(work, 'cluster.yaml')
writeFileSync(
  clusterConfig,
  `${readFileSync(serveConfig, 'utf8')}\nserver:\n  cluster: { redisUrl: "\${REDIS_URL}", instanceId: tarball-1 }\n`,
)
const clusterPort = await freePort()
const clusterBase = `http://127.0.0.1:${clusterPort}`
const clustered = await start(
  'sh',
  ['deploy/start.sh'],
  {
    env: {
      ...process.env,
      CHAINPULSE_HOME: app,
      CHAINPULSE_CONFIG: clusterConfig,
      HOST: '127.0.0.1',
      PORT: String(clusterPort),
      REDIS_URL: `redis://:${redisPassword}@127.0.0.1:${redisPort}`,
    },
  },
  (output) => output.stderr.includes(`${clusterBase}/healthz`),
)
let clusterView
for (let attempt = 0; attempt < 50; attempt++) {
  clusterView = await (await fetch(`${clusterBase}/api/cluster`)).json()
  if (clusterView.redis?.connected && clusterView.instances?.length === 1) break
  await new Promise((resolve) => setTimeout(resolve, 100))
}
check(
  clusterView.enabled && clusterView.redis.connected && clusterView.instances[0].instanceId === 'tarball-1',
  'the installed server loads @chainpulse/redis on demand and joins the cluster (GET /api/cluster)',
)
const clusteredChainId = await rpc(`${clusterBase}/rpc/ethereum`, 'eth_chainId')
check(clusteredChainId.result === '0x1', 'eth_chainId through the clustered proxy answers 0x1')
check((await stop(clustered)) === 0, 'cluster-mode serve exits 0 on SIGTERM')
check(
  !`${clustered.output.stdout}${clustered.output.stderr}${JSON.stringify(clusterView)}`.includes(
    redisPassword,
  ),
  'the Redis password is in no log line and no /api body',
)
await stop(redisServer)
await stop(anvil)

console.log('chainpulse demo with the devnet')
const demoPort = await freePort()
const demo = await start(
  join(demoApp, 'node_modules', '.bin', 'chainpulse'),
  ['demo', '--port', String(demoPort), '--no-snapshot'],
  { cwd: demoApp },
  (output) => output.stderr.includes('Ctrl-C to stop.'),
)
const head = await rpc(`http://127.0.0.1:${demoPort}/rpc/ethereum`, 'eth_blockNumber')
check(/^0x[0-9a-f]+$/.test(head.result ?? ''), `demo answers eth_blockNumber (${head.result})`)
check((await stop(demo)) === 0, 'demo exits 0 on SIGTERM')

console.log('@chainpulse/redis beside core, with npm')
const redisApp = join(work, 'app-with-redis')
mkdirSync(redisApp)
writeFileSync(join(redisApp, 'package.json'), '{ "name": "redis-app", "private": true, "type": "module" }\n')
run(
  'npm',
  [
    'install',
    '--engine-strict',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...readdirSync(tarballs)
      .filter((name) => /^chainpulse-(core|redis)-.*\.tgz$/.test(name))
      .map((name) => join(tarballs, name)),
  ],
  { cwd: redisApp, stdio: 'inherit' },
)
// The first thing a user does: share a cache entry and a PubSub message between two instances through a
// real redis-server, importing the package by name from its installed tarball.
writeFileSync(
  join(redisApp, 'check.mjs'),
  `import { createPubSub } from '@chainpulse/core'
import { createRedisCacheStore, createRedisPubSubAdapter } from '@chainpulse/redis'
import { startRedisServer, waitFor } from '@chainpulse/redis/testing'

const redis = await startRedisServer()
try {
  const [a, b] = ['a', 'b'].map((instanceId) => createRedisPubSubAdapter({ redis: redis.url, instanceId }))
  const heard = []
  createPubSub({ adapter: b }).subscribe('note', (payload, _topic, origin) => heard.push([payload, origin]))
  await waitFor(() => a.status().connected && b.status().connected, { what: 'the adapters to connect' })
  createPubSub({ adapter: a }).publish('note', { n: 1 })
  await waitFor(() => heard.length === 1, { what: 'b to hear a' })
  const store = createRedisCacheStore({ redis: redis.url })
  await waitFor(() => store.status().connected, { what: 'the store to connect' })
  await store.set('k', { json: '"0x1"' })
  const entry = await store.get('k')
  await Promise.all([a.close(), b.close(), store.close()])
  console.log(JSON.stringify({ heard, entry }))
} finally {
  await redis.stop()
}
`,
)
const shared = JSON.parse(run('node', ['check.mjs'], { cwd: redisApp }))
check(
  JSON.stringify(shared) === JSON.stringify({ heard: [[{ n: 1 }, 'a']], entry: { json: '"0x1"' } }),
  `two instances share a PubSub message and a cache entry through redis-server (${JSON.stringify(shared)})`,
)

console.log('tarball install: every check passed')
