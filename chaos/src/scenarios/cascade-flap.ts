import { everyRequestSucceeded, exactIds, noneHangs } from '../invariants/client-invariants.js'
import {
  boundedTransitions,
  faultExercised,
  servedNothing,
  servesAgainWithin,
} from '../invariants/upstream-invariants.js'
import { startHttpLoad } from '../load/http-load.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import { CHAOS_POOL_KNOBS, READ_CALLS, REQUEST_DEADLINE_MS, SLACK_MS } from './pool-knobs.js'

const PROVIDERS = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie', 'ethereum-delta'] as const
const { healthCheck, breaker } = CHAOS_POOL_KNOBS
const OUT_OF_ROTATION_MS = healthCheck.intervalMs + healthCheck.timeoutMs + SLACK_MS
/** A flapping provider's 5xx rate: five failures in a row (the breaker's threshold) happen 1 in 100,000 runs. */
const FLAP_ERROR_RATE = 0.1
/**
 * "No oscillation storm": at most one health or breaker change every 5 s per provider on average. A
 * provider judged on every probe (once a second) that flipped on each failed one would show ~12 a
 * minute at a 10 % error rate, each flip a pair.
 */
const MAX_TRANSITIONS_PER_MINUTE = 12

/**
 * Scenario 4: providers fail one after another under load until one is left, then all return; then one
 * provider flaps (a 10 % share of 5xx answers, below the breaker's threshold). Clients see no error
 * throughout, the last provider standing carries the load, the returned ones serve again, and no
 * provider's health oscillates (bounded transitions per minute).
 */
export const cascadeFlap: Scenario = {
  id: 'cascade-flap',
  title: 'Cascading failures down to one provider, recovery, and a flapping provider',
  async run(profile: Profile): Promise<ScenarioResult> {
    const stepMs = profile === 'short' ? 4_000 : 20_000
    const flapMs = profile === 'short' ? 6_000 : 120_000
    // Revived providers are checked to serve again over the rest of the run, so this phase can be short.
    const recoveredMs = profile === 'short' ? 2_000 : stepMs
    const stage = await startStage({
      devnet: {
        seed: 4,
        chains: [
          {
            name: 'ethereum',
            blockTimeMs: 800,
            providers: PROVIDERS.map((id, index) => ({
              id,
              preset: 'neutral' as const,
              personality: { latencyMs: 10 + 10 * index, jitterMs: 4 },
            })),
          },
        ],
      },
      chain: { name: 'ethereum', chainId: 1, blockTimeMs: 800 },
      pool: CHAOS_POOL_KNOBS,
    })
    try {
      const { clock, devnet, upstream } = stage
      const phases = createPhases(clock, 'baseline')
      const common = {
        periodMs: 100,
        calls: READ_CALLS,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
        clock,
        phase: () => phases.current(),
        stopAtMs: clock.now() + 6 * stepMs + flapMs + 10_000,
      }
      const loads = [
        startHttpLoad({ ...common, clients: 8, url: stage.rpcUrl }),
        startHttpLoad({ ...common, clients: 4, url: `${stage.server.url}/rpc/round-robin/ethereum` }),
      ]
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      await sleep(stepMs)
      const [first, second, third, last] = PROVIDERS
      for (const [index, id] of [first, second, third].entries()) {
        phases.enter(`${index + 1} down`)
        await devnet.kill(id)
        stage.action(id, 'kill')
        await sleep(stepMs)
      }
      phases.enter('recovered')
      const revivedAt = clock.now()
      await Promise.all([first, second, third].map((id) => devnet.revive(id)))
      for (const id of [first, second, third]) stage.action(id, 'revive')
      await sleep(recoveredMs)
      phases.enter('flapping')
      const flapFrom = clock.now()
      await devnet.set(second, {
        errorRate: FLAP_ERROR_RATE,
        errorMix: { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 },
      })
      stage.action(second, 'flap')
      await sleep(flapMs)
      await Promise.all(loads.map((load) => load.stop()))
      const endedAt = clock.now()

      const events = loads.flatMap((load) => load.events)
      const returnBoundMs =
        breaker.halfOpenAfterMs + healthCheck.intervalMs + healthCheck.timeoutMs + SLACK_MS
      const flapping = upstream.filter((event) => event.at >= flapFrom)
      const verdicts = [
        everyRequestSucceeded(events),
        exactIds(events),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
        ...[first, second, third].map((id, index) =>
          servedNothing(upstream, id, {
            from: phases.startOf(`${index + 1} down`) + OUT_OF_ROTATION_MS,
            to: revivedAt,
          }),
        ),
        ...[first, second, third].map((id) => servesAgainWithin(upstream, id, revivedAt, returnBoundMs)),
        faultExercised(upstream, second, 'serverError', { from: flapFrom, to: endedAt }),
        ...PROVIDERS.map((id) => boundedTransitions(flapping, id, MAX_TRANSITIONS_PER_MINUTE)),
      ]
      return {
        rows: summarise(
          events,
          phases.list.map((phase) => phase.name),
        ),
        verdicts,
        notes: [
          `4 providers (10, 20, 30, 40 ms), 12 clients (4 round-robin), one request per 100 ms each; ${first}, ${second}, ${third} killed ${stepMs / 1_000} s apart, leaving ${last}; all revived together.`,
          `Then ${second} flaps for ${flapMs / 1_000} s: ${FLAP_ERROR_RATE * 100} % of its answers are 5xx (below the breaker's ${breaker.failureThreshold} in a row); transitions are counted from the start of the flapping, in every sliding minute (a short run's whole flapping phase is one window).`,
        ],
        history: { clients: events, upstream, phases: phases.list, endedAt },
      }
    } finally {
      await stage.stop()
    }
  },
}
