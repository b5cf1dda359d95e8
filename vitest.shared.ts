import type { UserWorkspaceConfig } from 'vitest/config'

/**
 * Resolution shared by every vitest project: workspace packages are tested from source. The `source`
 * export condition points at src/, and inlining `@chainpulse/*` makes vite (not Node) resolve them, so
 * tests never run against a stale dist/.
 */
export const sourceResolution = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
} satisfies UserWorkspaceConfig

/** Dependencies vitest must inline for {@link sourceResolution} to apply to them. */
export const inlineWorkspacePackages = { deps: { inline: [/@chainpulse\//] } }
