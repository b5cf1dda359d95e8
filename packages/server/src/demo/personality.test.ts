import { personalityPatchSchema, personalityPresets } from '@chainpulse/devnet'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { demoPersonalityPatchSchema, demoProviderPresets } from './personality.js'

// The typecheck (demo-controls.check.ts) sees names and types; bounds and preset names are values,
// so they are compared here against the devnet's own definitions.
describe("the demo's mirror of the devnet personality vocabulary", () => {
  it('validates personality patches with the same knobs and bounds as the devnet', () => {
    expect(z.toJSONSchema(demoPersonalityPatchSchema)).toEqual(z.toJSONSchema(personalityPatchSchema))
  })

  it('names the same presets as the devnet', () => {
    expect([...demoProviderPresets].sort()).toEqual(Object.keys(personalityPresets).sort())
  })
})
