// Compile-time only (never imported, so never bundled, and core never loads the devnet): the mock
// provider declares the devnet's personality knobs itself (core cannot depend on the devnet), and these
// lines make `pnpm typecheck` fail when the two vocabularies drift — a knob the devnet adds, renames or
// retypes, or one the mock invents under the devnet's name.
import type * as Devnet from '@chainpulse/devnet'
import type { FaultErrorMix } from './fault-plan.js'
import type { MockProviderBehaviour, MockProviderMode, MockProviderState } from './mock-provider.js'

/** Resolves only when `Published` can be read as `Declared`. */
type Fits<Published extends Declared, Declared> = Published

/** The mock's knobs that are the devnet's: all but its own `failNext` and `rpcError`. */
type SharedKnobs = Omit<MockProviderState, 'failNext' | 'rpcError'>

export type DevnetVocabularyFits = [
  // The same knob names, both ways.
  Fits<keyof Devnet.Personality, keyof SharedKnobs>,
  Fits<keyof SharedKnobs, keyof Devnet.Personality>,
  // Every devnet personality is a mock state, and every devnet patch a valid `set()`.
  Fits<Devnet.Personality, SharedKnobs>,
  // And the mock holds no value the devnet's types lack (its bounds are wider: fractional seconds).
  Fits<SharedKnobs, Devnet.Personality>,
  Fits<Devnet.PersonalityPatch, MockProviderBehaviour>,
  Fits<Devnet.ErrorMix, FaultErrorMix>,
  Fits<FaultErrorMix, Devnet.ErrorMix>,
  Fits<Devnet.ProviderMode, MockProviderMode>,
  Fits<MockProviderMode, Devnet.ProviderMode>,
]
