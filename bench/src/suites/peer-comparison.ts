/**
 * The frame the peer comparisons (fault-scenario, peer-tails) share: the devnet they run their scenario
 * on, and how an outcome that failed or has facts to tell goes into the notes. Not a suite itself.
 */
import { type DevnetProcess, spawnDevnet } from '@chainpulse/devnet/testing'
import type { BenchProvider } from './peer-clients.js'
import { type LoadResult, topErrors } from './pool-bench-kit.js'

/** A provider of a comparison's scenario: its devnet id and what it stands for ("slow", "best", …). */
export interface ScenarioProvider {
  readonly id: string
  readonly role: string
}

/** The devnet of a comparison, and its providers as every client lists them. */
export interface ComparisonDevnet {
  devnet: DevnetProcess
  /** The scenario's providers, in its order, with the devnet's URLs. */
  providers: BenchProvider[]
}

/**
 * Spawns the devnet of a comparison in its own process: one chain (ethereum), no background traffic,
 * one provider per scenario entry (ids `ethereum-alpha`, `ethereum-bravo`, … in order).
 *
 * @throws {Error} when the devnet has no provider of a scenario id
 * @example
 * const { devnet, providers } = await spawnComparisonDevnet(SCENARIO, { blockTimeMs: 250, seed: 7 })
 */
export async function spawnComparisonDevnet(
  scenario: readonly ScenarioProvider[],
  { blockTimeMs, seed }: { blockTimeMs: number; seed: number },
): Promise<ComparisonDevnet> {
  const devnet = await spawnDevnet([
    '--chains',
    'ethereum',
    '--providers',
    String(scenario.length),
    '--block-time',
    String(blockTimeMs),
    '--no-traffic',
    '--seed',
    String(seed),
  ])
  try {
    const providers = scenario.map(({ id, role }) => {
      const provider = devnet.manifest.providers.find((candidate) => candidate.id === id)
      if (!provider) throw new Error(`devnet has no provider ${id}`)
      return { id, role, httpUrl: provider.httpUrl, wsUrl: provider.wsUrl }
    })
    return { devnet, providers }
  } catch (error) {
    await devnet.stop()
    throw error
  }
}

/** A scenario provider's role, or its id when the scenario has no such provider. */
export function roleOf(scenario: readonly ScenarioProvider[], providerId: string): string {
  return scenario.find((entry) => entry.id === providerId)?.role ?? providerId
}

/** What a comparison learned of one subject. */
export interface ComparisonOutcome<TSubject extends { name: string }> {
  subject: TSubject
  /** The subject's counted reads, merged over its turns. */
  load?: LoadResult
  /** Extra facts the subject's client told at the end (`BenchClient.describe`). */
  detail?: string
  /** Why the subject could not be measured. */
  error?: string
}

/** The notes on the outcomes: first the commonest errors of each subject with failed reads, then each subject's facts. */
export function outcomeNotes(outcomes: readonly ComparisonOutcome<{ name: string }>[]): string[] {
  return [
    ...outcomes
      .filter((outcome) => outcome.load?.failures)
      .map((outcome) => `Failures — ${outcome.subject.name}: ${topErrors(outcome.load!.errors)}`),
    ...outcomes
      .filter((outcome) => outcome.detail)
      .map((outcome) => `${outcome.subject.name}: ${outcome.detail}`),
  ]
}
