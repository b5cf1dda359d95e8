import { afterEach, expect, it } from 'vitest'
import { blocksCheckedBy } from '../testing/doc-blocks.js'
import { type RunningCommand, runCommand, startCommand } from '../testing/run-command.js'

// The commands in README.md, run as a reader would run them: the app in one shell, curl in another.
const [start, curl] = blocksCheckedBy(import.meta.url)
let app: RunningCommand | undefined

afterEach(async () => {
  if (!app) return
  app.signal('SIGKILL')
  await app.exited
})

it('serves JSON-RPC under the prefix next to the app’s own route, and stops on a signal', async () => {
  expect(start?.page).toBe('examples/embed-in-fastify/README.md')
  expect(curl?.code).toContain('http://127.0.0.1:3000/')
  // PORT=0: a free port, so parallel runs never collide; the README's URLs are rewritten to it.
  app = startCommand(start!.code, { env: { PORT: '0' }, timeoutMs: 60_000 })
  const [, origin] = await app.waitForOutput(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/m, 40_000)

  const answer = await runCommand(curl!.code.replaceAll('http://127.0.0.1:3000', origin!), {
    timeoutMs: 10_000,
  })
  expect(answer.code, answer.stderr).toBe(0)
  expect(JSON.parse(answer.stdout)).toEqual({
    jsonrpc: '2.0',
    id: 1,
    result: expect.stringMatching(/^0x[0-9a-f]+$/),
  })

  const own = await fetch(`${origin}/`)
  expect(await own.json()).toEqual({ service: 'my-app', rpc: '/chainpulse/rpc/ethereum' })
  const health = await fetch(`${origin}/chainpulse/healthz`)
  expect(health.status).toBe(200)

  // pnpm passes SIGTERM on to the script (a terminal's Ctrl-C reaches it directly); the script closes
  // the app, the pool and the devnet, and pnpm then reports the signal it got (128 + 15).
  app.signal('SIGTERM')
  const { code } = await app.exited
  expect(app.stdout).toMatch(/^stopped$/m)
  expect(app.stderr).not.toMatch(/error/i)
  expect([0, 143]).toContain(code)
  app = undefined
}, 70_000)
