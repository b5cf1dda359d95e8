import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { buildServer, parseConfigText } from '@chainpulse/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { blocksCheckedBy, type DocBlock } from '../testing/doc-blocks.js'
import { repoRoot, runCommand } from '../testing/run-command.js'

// The blocks of docs/server.md and docs/websocket-rpc.md marked `checked-by` this file: commands run
// against a real server over a devnet, config samples loaded, output samples reproduced.
const blocks = blocksCheckedBy(import.meta.url)
const checked = new Set<DocBlock>()
/** The one block of `page` that `matches`, marked as checked. */
function block(page: 'server.md' | 'websocket-rpc.md', matches: (block: DocBlock) => boolean): DocBlock {
  const found = blocks.filter((candidate) => candidate.page === `docs/${page}` && matches(candidate))
  expect(found, `one block of ${page}`).toHaveLength(1)
  checked.add(found[0]!)
  return found[0]!
}

/** The demo's address in the docs, replaced by the test server's. */
const DOCS_ORIGIN = '127.0.0.1:4000'
const cli = join(repoRoot, 'packages/server/src/cli/main.ts')
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

let devnet: Devnet
let pool: ProviderPool
let app: ReturnType<typeof buildServer>
let origin: string

beforeAll(async () => {
  devnet = await startDevnet({
    chains: [{ name: 'ethereum', blockTimeMs: 250, traffic: false, providers: [{ preset: 'neutral' }] }],
  })
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
      id,
      chain,
      httpUrl,
      wsUrl,
    })),
  })
  app = buildServer({ pool, logger: false })
  origin = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', '')
}, 30_000)

afterAll(async () => {
  await app?.close()
  await pool?.close()
  await devnet?.stop()
})

describe('docs/server.md', () => {
  it('answers the curl call of the quick start', async () => {
    const curl = block('server.md', (candidate) => candidate.code.startsWith('curl '))
    const { code, stdout, stderr } = await runCommand(curl.code.replaceAll(DOCS_ORIGIN, origin))
    expect(code, stderr).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: expect.stringMatching(/^0x[0-9a-f]+$/),
    })
  })

  it('loads the CORS sample, which lets the listed origins in and no other', async () => {
    const sample = block('server.md', (candidate) => candidate.code.includes('cors:'))
    const { config } = parseConfigText(`${sample.code}pool: { chains: [{ name: ethereum, chainId: 1 }] }\n`)
    const server = buildServer({ pool, config: config.server, logger: false })
    const preflight = (from: string) =>
      server.inject({
        method: 'OPTIONS',
        url: '/rpc/ethereum',
        headers: { origin: from, 'access-control-request-method': 'POST' },
      })
    expect((await preflight('https://staging.app.example')).headers['access-control-allow-origin']).toBe(
      'https://staging.app.example',
    )
    expect(
      (await preflight('https://elsewhere.example')).headers['access-control-allow-origin'],
    ).toBeUndefined()
    await server.close()
  })

  it('loads the method-list sample, and refuses a default-denied method with the error shown', async () => {
    const sample = block('server.md', (candidate) => candidate.code.includes('methods:'))
    const refusal = block(
      'server.md',
      (candidate) => candidate.lang === 'json' && candidate.code.includes('-32601'),
    )
    const { config } = parseConfigText(`${sample.code}pool: { chains: [{ name: ethereum, chainId: 1 }] }\n`)
    const server = buildServer({ pool, config: config.server, logger: false })
    const call = (method: string) =>
      server.inject({
        method: 'POST',
        url: '/rpc/ethereum',
        headers: { 'content-type': 'application/json' },
        payload: { jsonrpc: '2.0', id: 1, method, params: [] },
      })
    try {
      // The sample denies eth_getLogs on top of the defaults and enables tracing; debug_traceCall stays denied.
      expect((await call('eth_getLogs')).json().error.data).toMatchObject({
        rule: 'deny',
        pattern: 'eth_getLogs',
      })
      expect((await call('debug_traceCall')).json()).toEqual(JSON.parse(refusal.code))
    } finally {
      await server.close()
    }
  })

  it('prints what the validation sample says for broken.yaml', async () => {
    const broken = block(
      'server.md',
      (candidate) => candidate.lang === 'yaml' && candidate.code.includes('stratgy:'),
    )
    const output = block('server.md', (candidate) => candidate.code.startsWith('$ chainpulse config check'))
    const [command, ...expected] = output.code.trimEnd().split('\n')
    const dir = await mkdtemp(join(tmpdir(), 'chainpulse-docs-'))
    try {
      await writeFile(join(dir, 'broken.yaml'), broken.code)
      // `chainpulse` is the server's CLI, run from source; INIT_CWD is where a user would have typed it
      const run = await runCommand(
        command!.replace(/^\$ chainpulse/, `node --conditions=source --import ${tsx} ${cli}`),
        { cwd: dir, env: { INIT_CWD: dir } },
      )
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(`${expected.join('\n')}\n`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('docs/websocket-rpc.md', () => {
  it('refuses an upgrade past maxConnections with the body shown (for a limit of 1)', async () => {
    const sample = block('websocket-rpc.md', (candidate) => candidate.lang === 'json')
    const full = buildServer({ pool, config: { ws: { maxConnections: 1 } }, logger: false })
    const address = (await full.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')
    const first = new WebSocket(`${address}/ws/rpc/ethereum`)
    try {
      await new Promise((resolve, reject) => first.once('open', resolve).once('error', reject))
      const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const second = new WebSocket(`${address}/ws/rpc/ethereum`)
        second.once('open', () => reject(new Error('the second connection was accepted')))
        second.once('unexpected-response', (_request, response) => {
          let body = ''
          response.on('data', (chunk: Buffer) => {
            body += chunk
          })
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
        })
      })
      expect(refused.status).toBe(503)
      // the docs show the default limit, 10000
      expect(JSON.parse(refused.body)).toEqual(JSON.parse(sample.code.replaceAll('10000', '1')))
    } finally {
      first.close()
      await full.close()
    }
  })

  it('replays the wscat session: the subscription id, then a newHeads notification', async () => {
    const session = block('websocket-rpc.md', (candidate) => candidate.code.startsWith('wscat'))
    const lines = session.code.trimEnd().split('\n')
    const url = lines[0]!.replace(/^wscat -c /, '').replace(DOCS_ORIGIN, origin)
    const sent = lines.filter((line) => line.startsWith('> ')).map((line) => line.slice(2))
    const expected = lines.filter((line) => line.startsWith('< ')).map((line) => pattern(line.slice(2)))

    const socket = new WebSocket(url)
    const received: string[] = []
    const enough = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        received.push(data.toString())
        if (received.length === expected.length) resolve()
      }),
    )
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    for (const message of sent) socket.send(message)
    await enough
    socket.close()
    for (const [index, message] of received.entries()) expect(message).toMatch(expected[index]!)
  })
})

/**
 * A received line of the transcript as a pattern: a subscription id stands for any id, a quantity
 * for any quantity, `0x…` for any hex value and `...` for anything.
 */
function pattern(line: string): RegExp {
  const escaped = line
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/0x[0-9a-f]{32}/g, '0x[0-9a-f]{32}')
    .replace(/"0x[0-9a-f]{1,16}"/g, '"0x[0-9a-f]+"')
    .replace(/0x…/g, '0x[0-9a-f]+')
    .replace(/\\\.\\\.\\\./g, '.*')
  return new RegExp(`^${escaped}$`)
}

it('checks every block marked for it', () => {
  expect(blocks.length).toBeGreaterThan(0)
  expect(blocks.filter((candidate) => !checked.has(candidate)).map((b) => `${b.page}:${b.line}`)).toEqual([])
})
