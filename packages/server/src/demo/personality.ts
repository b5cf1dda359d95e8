import { z } from 'zod'

// The devnet owns the simulated-provider vocabulary (`Personality`, `personalityPatchSchema`,
// `personalityPresets`). The server cannot import it at runtime (the devnet is an optional peer, loaded
// only by `chainpulse demo`), yet the demo routes validate before anything reaches the injected
// controls, so this module mirrors it: `demo-controls.check.ts` fails the typecheck when the types
// drift, `demo-personality.test.ts` fails when a bound or a preset name does.

/** The devnet's personality presets (`POST /api/demo/providers` `{ preset }`). */
export const demoProviderPresets = ['leader', 'steady', 'slow', 'flaky', 'lagging', 'neutral'] as const

/** Name of a devnet personality preset. */
export type DemoProviderPreset = (typeof demoProviderPresets)[number]

const probability = z.number().min(0).max(1)
const milliseconds = z.number().min(0).max(600_000)
const weight = z.number().min(0).max(1_000_000)

/** The devnet's `personalityPatchSchema`, bound for bound: the body of `POST /api/demo/providers/:id/personality`. */
export const demoPersonalityPatchSchema = z.strictObject({
  latencyMs: milliseconds.optional(),
  jitterMs: milliseconds.optional(),
  errorRate: probability.optional(),
  errorMix: z
    .strictObject({
      serverError: weight.optional(),
      rateLimit: weight.optional(),
      rpcError: weight.optional(),
      malformed: weight.optional(),
    })
    .optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).nullable().optional(),
  hangRate: probability.optional(),
  stallRate: probability.optional(),
  stallMinMs: milliseconds.optional(),
  stallMaxMs: milliseconds.optional(),
  lagBlocks: z.number().int().min(0).max(10_000).optional(),
  wsDelayMs: milliseconds.optional(),
  wsJitterMs: milliseconds.optional(),
  wsDropRate: probability.optional(),
  mode: z.enum(['up', 'down', 'hang']).optional(),
  maxLogsBlockRange: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  maxLogsResults: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  stateHistoryBlocks: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
})
