import type { FaultPlan } from '@chainpulse/core/testing'
import type { Forwarder } from './forwarder.js'
import type { Personality } from './personality.js'
import type { ProviderStats } from './provider-stats.js'

/** What the HTTP and WebSocket fronts of one provider share. */
export interface ProviderContext {
  readonly id: string
  /** The personality in force now (read per request, so runtime changes apply at once). */
  personality(): Personality
  readonly plan: FaultPlan
  readonly forwarder: Forwarder
  readonly stats: ProviderStats
}

/** Resolves after `ms` (immediately for 0), unref'd so a pending delay never keeps a process alive. */
export function delay(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
