import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { chainPulsePlugin } from '../plugin.js'
import { createApiFixture } from './api/api-fixture.js'
import { DASHBOARD_NOT_BUILT, dashboardRoutes } from './dashboard.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chainpulse-dashboard-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ChainPulse</title><div id="app"></div>')
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")')
  return dir
}

async function serve(distDir: string): Promise<FastifyInstance> {
  const app = Fastify()
  cleanups.push(() => app.close())
  app.get('/api/chains', async () => ({ chains: [] }))
  await app.register(dashboardRoutes, { distDir })
  return app
}

describe('dashboardRoutes', () => {
  it('serves index.html at / and the hashed assets with a long cache', async () => {
    const app = await serve(fakeBuild())
    const page = await app.inject({ method: 'GET', url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('<title>ChainPulse</title>')
    expect(page.headers['cache-control']).toBe('no-cache')

    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toMatch(/javascript/)
    expect(asset.headers['cache-control']).toContain('immutable')
  })

  it('leaves other routes and unknown paths alone', async () => {
    const app = await serve(fakeBuild())
    expect((await app.inject({ method: 'GET', url: '/api/chains' })).json()).toEqual({ chains: [] })
    expect((await app.inject({ method: 'GET', url: '/nope.js' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/assets/../../etc/passwd' })).statusCode).toBe(404)
  })

  it('answers 503 with a hint when the dashboard is not built', async () => {
    const app = await serve(join(tmpdir(), 'chainpulse-no-such-build'))
    const page = await app.inject({ method: 'GET', url: '/' })
    expect(page.statusCode).toBe(503)
    expect(page.headers['content-type']).toMatch(/^text\/plain/)
    expect(page.body.trim()).toBe(DASHBOARD_NOT_BUILT)
  })

  it('is mounted by the ChainPulse plugin', async () => {
    const fixture = createApiFixture()
    cleanups.push(() => fixture.close())
    const page = await fixture.app.inject({ method: 'GET', url: '/' })
    // 200 with the built dashboard, 503 before `pnpm build`: never a 404.
    expect([200, 503]).toContain(page.statusCode)
  })

  it('leaves / to the host app with dashboardDir: false, and keeps the API', async () => {
    const fixture = createApiFixture()
    cleanups.push(() => fixture.close())
    const app = Fastify()
    cleanups.push(() => app.close())
    app.get('/', async () => 'the host app')
    await app.register(chainPulsePlugin, {
      pool: fixture.pool,
      dashboardDir: false,
      config: { logLevel: 'silent' },
    })
    expect((await app.inject({ method: 'GET', url: '/' })).body).toBe('the host app')
    expect((await app.inject({ method: 'GET', url: '/api/chains' })).statusCode).toBe(200)
  })
})
