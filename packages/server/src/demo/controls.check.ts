// Compile-time only (never imported, so never bundled, and the devnet stays an optional peer): the
// server declares the devnet's simulated-provider vocabulary itself (demo-controls.ts,
// demo-personality.ts), and these lines make `pnpm typecheck` fail when the devnet's definitions stop
// matching those declarations — a knob added, renamed or retyped, or a preset added or renamed.
import type * as Devnet from '@chainpulse/devnet'
import type { z } from 'zod'
import type { DemoErrorMix, DemoPersonality, DemoPersonalityPatch } from './controls.js'
import type { DemoProviderPreset, demoPersonalityPatchSchema } from './personality.js'

/** Resolves only when `Published` can be read as `Declared`; listed both ways, it means "the same". */
type Fits<Published extends Declared, Declared> = Published
type Schema = typeof demoPersonalityPatchSchema
type DevnetSchema = typeof Devnet.personalityPatchSchema

export type DevnetVocabularyFits = [
  Fits<Devnet.Personality, DemoPersonality>,
  Fits<DemoPersonality, Devnet.Personality>,
  Fits<Devnet.ErrorMix, DemoErrorMix>,
  Fits<DemoErrorMix, Devnet.ErrorMix>,
  Fits<Devnet.PersonalityPatch, DemoPersonalityPatch>,
  Fits<DemoPersonalityPatch, Devnet.PersonalityPatch>,
  Fits<Devnet.PersonalityPreset, DemoProviderPreset>,
  Fits<DemoProviderPreset, Devnet.PersonalityPreset>,
  Fits<z.infer<DevnetSchema>, z.infer<Schema>>,
  Fits<z.infer<Schema>, z.infer<DevnetSchema>>,
]
