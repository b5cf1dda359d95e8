import {
  everyRequestSucceeded,
  exactIds,
  failuresAreTyped,
  noneHangs,
  recoveredWithin,
} from '../invariants/client-invariants.js'
import { startHttpLoad } from '../load/http-load.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import { CHAOS_POOL_KNOBS, READ_CALLS, REQUEST_DEADLINE_MS, SLACK_MS } from './pool-knobs.js'

/**
 * With every provider refusing connections a request can fail at once (a p99 of tens of ms): "fast" is
 * two seconds, room for a busy 2-core machine, far below the 10 s attempt timeout a hanging proxy shows.
 */
const FAST_MS = 2_000

/**
 * Scenario 3: every provider of the chain is killed under load, then one returns. While all are down,
 * every request is answered fast with a typed JSON-RPC error carrying its exact id (none hangs); once
 * one returns, full service is back within `halfOpenAfterMs` plus one probe round.
 */
export const allDown: Scenario = {
  id: 'all-down',
  title: 'All providers of a chain down, then one returns',
  async run(profile: Profile): Promise<ScenarioResult> {
    const phaseMs = profile === 'short' ? 4_000 : 30_000
    const stage = await startStage({
      devnet: {
        seed: 3,
        chains: [
          {
            name: 'ethereum',
            blockTimeMs: 800,
            providers: [
              { id: 'ethereum-alpha', preset: 'neutral', personality: { latencyMs: 15, jitterMs: 4 } },
              { id: 'ethereum-bravo', preset: 'neutral', personality: { latencyMs: 25, jitterMs: 6 } },
              { id: 'ethereum-charlie', preset: 'neutral', personality: { latencyMs: 35, jitterMs: 8 } },
            ],
          },
        ],
      },
      chain: { name: 'ethereum', chainId: 1, blockTimeMs: 800 },
      pool: CHAOS_POOL_KNOBS,
    })
    try {
      const { clock, devnet, providerIds } = stage
      const phases = createPhases(clock, 'baseline')
      const load = startHttpLoad({
        url: stage.rpcUrl,
        clients: 10,
        periodMs: 50,
        calls: READ_CALLS,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
        clock,
        phase: () => phases.current(),
        stopAtMs: clock.now() + 3 * phaseMs + 10_000,
      })
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      await sleep(phaseMs)
      // The phase starts before the kill: a request sent while the kill lands belongs to it.
      phases.enter('all down')
      await Promise.all(providerIds.map((id) => devnet.kill(id)))
      for (const id of providerIds) stage.action(id, 'kill')
      await sleep(phaseMs)
      const returning = providerIds[0]!
      phases.enter('one returned')
      await devnet.revive(returning)
      stage.action(returning, 'revive')
      const returnedAt = clock.now()
      await sleep(phaseMs)
      await load.stop()
      const endedAt = clock.now()

      const events = [...load.events]
      const inPhase = (name: string) => events.filter((event) => event.phase === name)
      const down = inPhase('all down')
      // A baseline request still in flight when the kill lands meets the outage: only those answered
      // before it must have succeeded.
      const allDownAt = phases.startOf('all down')
      const baseline = inPhase('baseline').filter((event) => event.sentAt + event.durationMs < allDownAt)
      // Full service once the returning provider's breaker half-opens and a probe round (interval plus
      // its timeout) finds it healthy; the slack covers a loaded machine.
      const { breaker, healthCheck } = CHAOS_POOL_KNOBS
      const recoveryBoundMs =
        breaker.halfOpenAfterMs + healthCheck.intervalMs + healthCheck.timeoutMs + SLACK_MS
      const verdicts = [
        { ...everyRequestSucceeded(baseline), invariant: 'baseline: zero client-visible errors' },
        exactIds(events),
        { ...noneHangs(down, FAST_MS), invariant: `all down: every request answered within ${FAST_MS} ms` },
        { ...failuresAreTyped(down), invariant: 'all down: every failure is a typed JSON-RPC error' },
        recoveredWithin(events, returnedAt, recoveryBoundMs),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
      ]
      return {
        rows: summarise(
          events,
          phases.list.map((phase) => phase.name),
        ),
        verdicts,
        notes: [
          `3 providers, 10 clients, one request per 50 ms each; every provider killed (connections refused) after ${phaseMs / 1_000} s, ${returning} revived ${phaseMs / 1_000} s later.`,
          'The baseline row counts the requests still in flight when the kill landed as errors; the baseline invariant covers those answered before it.',
          `Pool knobs: probes every ${healthCheck.intervalMs} ms (timeout ${healthCheck.timeoutMs} ms), breaker half-opens after ${breaker.halfOpenAfterMs} ms; recovery bound = those three + ${SLACK_MS} ms slack.`,
        ],
        history: { clients: events, upstream: stage.upstream, phases: phases.list, endedAt },
      }
    } finally {
      await stage.stop()
    }
  },
}
