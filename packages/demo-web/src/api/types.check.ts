// Compile-time only (never imported, so never bundled): the dashboard declares the server's payloads
// itself (see types.ts), and these lines make `pnpm typecheck` fail when what core and the devnet publish
// stops fitting those declarations — a renamed field or a changed type is caught here, not as a blank cell.
import type * as Core from '@chainpulse/core'
import type * as Devnet from '@chainpulse/devnet'
import type * as Dashboard from './types.js'

/** Resolves only when `Published` can be read as `Declared`. */
type Fits<Published extends Declared, Declared> = Published
/** Resolves only when `A` and `B` are the same union (a topic list written twice must agree). */
type Same<A extends B, B extends C, C = A> = [A, B]

export type TopicPayloadsFit = [
  Fits<Core.RoutingDecisionEvent, Dashboard.RoutingDecision>,
  Fits<Core.ProviderPoolEvent, Dashboard.ProviderEvent>,
  Fits<Core.BlockEvent, Dashboard.BlockEvent>,
  Fits<Core.RaceEvent, Dashboard.RaceEvent>,
  Fits<Core.ConnectionEvent, Dashboard.ConnectionEvent>,
  Fits<Core.LeaderboardEntry, Dashboard.LeaderboardEntry>,
  Fits<Core.ProviderHealth, Dashboard.ProviderHealth>,
  Fits<Core.CircuitState, Dashboard.BreakerState>,
  Same<Core.ChainPulseTopic, Dashboard.LiveTopic>,
]

/** The devnet owns the simulated-provider vocabulary; the dashboard reads and sends a part of it. */
export type DevnetVocabularyFits = [
  Fits<Devnet.Personality, Dashboard.Personality>,
  Fits<Dashboard.PersonalityPatch, Devnet.PersonalityPatch>,
  // Both ways: a preset the devnet adds belongs in the dashboard's picker too.
  Fits<Devnet.PersonalityPreset, Dashboard.ProviderPreset>,
  Fits<Dashboard.ProviderPreset, Devnet.PersonalityPreset>,
]
