import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { bundledDashboardDir } from '../package/package-info.js'

/** Options of {@link dashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** The built dashboard (index.html + assets/). @default the `dashboard/` folder shipped in this package */
  distDir?: string | undefined
}

/** Body of `GET /` when the dashboard has not been built. */
export const DASHBOARD_NOT_BUILT = 'dashboard not built: run pnpm build'

/**
 * Serves the dashboard at `/`: `index.html` and its hashed `assets/` (cached for a year, since a new
 * build gets new names). The files are listed once, at registration; when there is no build, `GET /`
 * answers 503 with a plain-text hint instead, and every other route works as before.
 *
 * @example
 * await app.register(dashboardRoutes)
 */
export async function dashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  const root = options.distDir ?? bundledDashboardDir
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`${DASHBOARD_NOT_BUILT}\n`),
    )
    return
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Only the built files get routes: no catch-all that would shadow the API's 404s.
    wildcard: false,
    index: ['index.html'],
    // Our own cache policy below, not send's default `max-age=0`.
    cacheControl: false,
    setHeaders(response, path) {
      response.setHeader(
        'cache-control',
        path.includes(`${join('/', 'assets', '/')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
}
