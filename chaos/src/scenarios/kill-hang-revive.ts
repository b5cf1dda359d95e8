import { everyRequestSucceeded, exactIds, noneHangs } from '../invariants/client-invariants.js'
import { p99WithinBaseline } from '../invariants/latency.js'
import { onlyProbesReach, servedNothing, servesAgainWithin } from '../invariants/upstream-invariants.js'
import { startHttpLoad } from '../load/http-load.js'
import type { UpstreamEvent } from '../record/history.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import {
  CHAOS_POOL_KNOBS,
  P99_INVARIANT,
  P99_TARGET,
  READ_CALLS,
  REQUEST_DEADLINE_MS,
  SLACK_MS,
} from './pool-knobs.js'

const { healthCheck, breaker } = CHAOS_POOL_KNOBS
/**
 * How long the pool may take to take a dead or hung provider out of rotation: one probe round and its
 * timeout (a hedged read that loses, or a call that gets no answer, has the probes judge the provider at
 * once), plus slack for a busy machine.
 */
const OUT_OF_ROTATION_MS = healthCheck.intervalMs + healthCheck.timeoutMs + SLACK_MS
/** Long enough for every client's connection and the server's hot paths to be warm. */
const WARM_UP_MS = 2_000
/** Probe requests per round: `eth_chainId` when a provider is down, then `eth_blockNumber`. */
const PROBES_PER_ROUND = 2

/** The provider that answered the most client calls in [from, to), except `except`. */
function busiest(upstream: readonly UpstreamEvent[], from: number, to: number, except?: string): string {
  const counts = new Map<string, number>()
  for (const event of upstream) {
    if (event.kind !== 'decision' || event.result !== 'ok' || event.at < from || event.at >= to) continue
    if (event.providerId === except) continue
    counts.set(event.providerId, (counts.get(event.providerId) ?? 0) + 1)
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1])
  if (ranked.length === 0) throw new Error('no provider served anything')
  return ranked[0]![0]
}

/**
 * Scenario 1: under load, the busiest provider is killed, then the busiest of the rest hung, then both
 * revived. Clients see no error; only probes reach the dead and the hung provider once they are out of
 * rotation; p99 outside the hang's timeout stays within 2× the healthy baseline; both serve again after
 * the revive.
 */
export const killHangRevive: Scenario = {
  id: 'kill-hang-revive',
  title: 'Kill the busiest provider under load, hang a second, revive both',
  async run(profile: Profile): Promise<ScenarioResult> {
    const phaseMs = profile === 'short' ? 5_000 : 30_000
    const stage = await startStage({
      devnet: {
        seed: 1,
        chains: [
          {
            name: 'ethereum',
            blockTimeMs: 800,
            providers: [
              { id: 'ethereum-alpha', preset: 'leader' },
              { id: 'ethereum-bravo', preset: 'steady' },
              { id: 'ethereum-charlie', preset: 'steady' },
              { id: 'ethereum-delta', preset: 'slow' },
            ],
          },
        ],
      },
      chain: { name: 'ethereum', chainId: 1, blockTimeMs: 800 },
      websockets: true,
      pool: CHAOS_POOL_KNOBS,
    })
    try {
      const { clock, devnet, upstream } = stage
      // A warm-up first: the first requests pay for JIT compilation and new connections, which would
      // inflate the baseline p99 the later phases are held to.
      const phases = createPhases(clock, 'warm-up')
      const common = {
        periodMs: 100,
        calls: READ_CALLS,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
        clock,
        phase: () => phases.current(),
        stopAtMs: clock.now() + 5 * phaseMs + 10_000,
      }
      // Round-robin clients reach every provider in rotation, so the revived ones are seen serving again.
      const loads = [
        startHttpLoad({ ...common, clients: 12, url: stage.rpcUrl }),
        startHttpLoad({ ...common, clients: 4, url: `${stage.server.url}/rpc/round-robin/ethereum` }),
      ]
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      await sleep(WARM_UP_MS)
      phases.enter('baseline')
      await sleep(phaseMs)
      const killed = busiest(upstream, phases.startOf('baseline'), clock.now())
      phases.enter('killed')
      const killedAt = clock.now()
      await devnet.kill(killed)
      stage.action(killed, 'kill')
      await sleep(phaseMs)
      const hung = busiest(upstream, killedAt + OUT_OF_ROTATION_MS, clock.now(), killed)
      phases.enter('killed + hung')
      const hungAt = clock.now()
      await devnet.set(hung, { mode: 'hang' })
      stage.action(hung, 'hang')
      await sleep(phaseMs)
      phases.enter('revived')
      const revivingAt = clock.now()
      await Promise.all([devnet.revive(killed), devnet.revive(hung)])
      stage.action(killed, 'revive')
      stage.action(hung, 'revive')
      await sleep(phaseMs)
      await Promise.all(loads.map((load) => load.stop()))
      const endedAt = clock.now()

      const events = loads.flatMap((load) => load.events)
      const probeBound = (window: { from: number; to: number }) =>
        (Math.ceil((window.to - window.from) / healthCheck.intervalMs) + 1) * PROBES_PER_ROUND
      const killedOut = { from: killedAt + OUT_OF_ROTATION_MS, to: revivingAt }
      const hungOut = { from: hungAt + OUT_OF_ROTATION_MS, to: revivingAt }
      // A revived provider is back once its breaker half-opens and a probe round finds it healthy.
      const returnBoundMs =
        breaker.halfOpenAfterMs + healthCheck.intervalMs + healthCheck.timeoutMs + SLACK_MS
      const p99Options = {
        baselinePhase: 'baseline',
        exclude: [
          { from: 0, to: phases.startOf('baseline') },
          { from: hungAt, to: hungAt + OUT_OF_ROTATION_MS },
        ],
      }
      const verdicts = [
        everyRequestSucceeded(events),
        exactIds(events),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
        servedNothing(upstream, killed, killedOut),
        onlyProbesReach(upstream, killed, killedOut, probeBound(killedOut)),
        servedNothing(upstream, hung, hungOut),
        onlyProbesReach(upstream, hung, hungOut, probeBound(hungOut)),
        p99WithinBaseline(events, { ...p99Options, ...P99_INVARIANT }),
        servesAgainWithin(upstream, killed, revivingAt, returnBoundMs),
        servesAgainWithin(upstream, hung, revivingAt, returnBoundMs),
      ]
      const targets = [p99WithinBaseline(events, { ...p99Options, ...P99_TARGET })]
      return {
        targets,
        rows: summarise(
          events,
          phases.list.map((phase) => phase.name),
        ),
        verdicts,
        notes: [
          `4 providers (leader, steady, steady, slow presets: their own 0.2–1 % injected errors stay on), 16 clients (4 round-robin), one request per 100 ms each; ${phaseMs / 1_000} s per phase.`,
          `Killed ${killed} (the busiest in the baseline), hung ${hung} (the busiest after the kill); both revived together.`,
          `"Out of rotation" from ${OUT_OF_ROTATION_MS} ms after each fault (a probe round, its timeout, ${SLACK_MS} ms slack); the p99 leaves out requests sent in the first ${OUT_OF_ROTATION_MS} ms of the hang, which wait for the hedge or the probe.`,
        ],
        history: { clients: events, upstream, phases: phases.list, endedAt },
      }
    } finally {
      await stage.stop()
    }
  },
}
