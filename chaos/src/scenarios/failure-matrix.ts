import type { PersonalityPatch } from '@chainpulse/devnet'
import { everyRequestSucceeded, exactIds, noneHangs } from '../invariants/client-invariants.js'
import {
  boundedTransitions,
  faultExercised,
  redirectsNeverFollowed,
  servedNothing,
} from '../invariants/upstream-invariants.js'
import { startHttpLoad } from '../load/http-load.js'
import type { UpstreamEvent } from '../record/history.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import type { HostileFault } from '../upstream/hostile-faults.js'
import { CHAOS_POOL_KNOBS, READ_CALLS, REQUEST_DEADLINE_MS, SLACK_MS } from './pool-knobs.js'

/** One row of the matrix: a fault the victim shows for one phase, from the devnet or from its front. */
type MatrixFault =
  | { name: string; recorded: string; devnet: PersonalityPatch }
  | { name: string; recorded: HostileFault; hostile: HostileFault }

const ONLY = { serverError: 0, rateLimit: 0, rpcError: 0, malformed: 0 }

/** The matrix. `wrongChainId` is not here: the victim has it from the start (see below). */
const MATRIX: readonly MatrixFault[] = [
  { name: '5xx', recorded: 'serverError', devnet: { errorMix: { ...ONLY, serverError: 1 } } },
  {
    name: '429 + Retry-After',
    recorded: 'rateLimit',
    devnet: { errorMix: { ...ONLY, rateLimit: 1 }, retryAfterSeconds: 1 },
  },
  {
    name: '429 no Retry-After',
    recorded: 'rateLimit',
    devnet: { errorMix: { ...ONLY, rateLimit: 1 }, retryAfterSeconds: null },
  },
  { name: 'JSON-RPC -32603', recorded: 'rpcError', devnet: { errorMix: { ...ONLY, rpcError: 1 } } },
  { name: 'truncated body', recorded: 'malformed', devnet: { errorMix: { ...ONLY, malformed: 1 } } },
  { name: 'non-JSON 200', recorded: 'nonJson200', hostile: 'nonJson200' },
  { name: 'empty 200', recorded: 'empty200', hostile: 'empty200' },
  { name: '3xx', recorded: 'redirect', hostile: 'redirect' },
]

const VICTIM = 'ethereum-charlie'
const WRONG_CHAIN_PHASE = 'wrong chain id'

/** Whether the victim has answered a request with `fault` since `from`. */
function injectedSince(upstream: readonly UpstreamEvent[], fault: string, from: number): boolean {
  return upstream.some(
    (event) =>
      event.kind === 'received' && event.providerId === VICTIM && event.fault === fault && event.at >= from,
  )
}

/**
 * Scenario 2: one provider (the fastest, so the pool wants it) shows each failure of the matrix in turn
 * on 30 % of its requests, while the two others are healthy: every client request must still succeed.
 * The victim starts with a wrong chain id (its front answers `eth_chainId` with another chain's), as a
 * misconfigured endpoint does; the pool checks the chain id when it first probes a provider, so that
 * fault is only meaningful from the outset.
 */
export const failureMatrix: Scenario = {
  id: 'failure-matrix',
  title: 'Failure matrix on one provider: 100 % success through the others',
  async run(profile: Profile): Promise<ScenarioResult> {
    const phaseMs = profile === 'short' ? 2_000 : 15_000
    // Low enough that the victim is back in rotation between trips (a failure of 5 in a row opens its
    // breaker), high enough that each fault meets client calls several times per phase.
    const rate = 0.3
    const stage = await startStage({
      devnet: {
        seed: 2,
        chains: [
          {
            name: 'ethereum',
            blockTimeMs: 800,
            providers: [
              { id: 'ethereum-alpha', preset: 'neutral', personality: { latencyMs: 15, jitterMs: 4 } },
              { id: 'ethereum-bravo', preset: 'neutral', personality: { latencyMs: 30, jitterMs: 8 } },
              { id: VICTIM, preset: 'neutral' },
            ],
          },
        ],
      },
      chain: { name: 'ethereum', chainId: 1, blockTimeMs: 800 },
      pool: CHAOS_POOL_KNOBS,
      unsettled: [VICTIM],
      frontFaults: { [VICTIM]: { fault: 'wrongChainId', rate: 1 } },
    })
    const victimFront = stage.fronts.get(VICTIM)!
    try {
      const { clock } = stage
      const phases = createPhases(clock, WRONG_CHAIN_PHASE)
      const wrongChainFrom = clock.now()
      const totalMs = phaseMs * (MATRIX.length + 1) + 1_000
      const common = {
        clients: 6,
        periodMs: 50,
        calls: READ_CALLS,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
        clock,
        phase: () => phases.current(),
        stopAtMs: clock.now() + totalMs + 5_000,
      }
      // Half the clients name round-robin, so the victim gets client traffic whenever it is in rotation.
      const loads = [
        startHttpLoad({ ...common, url: stage.rpcUrl }),
        startHttpLoad({ ...common, url: `${stage.server.url}/rpc/round-robin/ethereum` }),
      ]
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      await sleep(phaseMs)
      victimFront.setFault(undefined)
      const wrongChainTo = clock.now()
      const setRate = async (fault: MatrixFault, errorRate: number) => {
        if ('devnet' in fault) await stage.devnet.set(VICTIM, { ...fault.devnet, errorRate })
        else victimFront.setFault(errorRate > 0 ? { fault: fault.hostile, rate: errorRate } : undefined)
      }
      for (const fault of MATRIX) {
        phases.enter(fault.name)
        stage.action(VICTIM, fault.name)
        const phaseEnd = clock.now() + phaseMs
        // Every request gets the fault until the first one has (a probe reaches the victim every second
        // even while it is out of rotation), then the phase's rate: so each fault is seen at least once
        // however little traffic the victim draws, and a short run does not flake on a draw of zero.
        const from = clock.now()
        await setRate(fault, 1)
        while (clock.now() < phaseEnd && !injectedSince(stage.upstream, fault.recorded, from)) await sleep(25)
        await setRate(fault, rate)
        await sleep(phaseEnd - clock.now())
        await setRate(fault, 0)
      }
      phases.enter('clean')
      await sleep(1_000)
      await Promise.all(loads.map((load) => load.stop()))
      const endedAt = clock.now()

      const events = loads.flatMap((load) => load.events)
      const windowOf = (name: string) => {
        const index = phases.list.findIndex((phase) => phase.name === name)
        return { from: phases.list[index]!.at, to: phases.list[index + 1]?.at ?? endedAt }
      }
      const verdicts = [
        everyRequestSucceeded(events),
        exactIds(events),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
        servedNothing(stage.upstream, VICTIM, { from: wrongChainFrom, to: wrongChainTo }),
        faultExercised(stage.upstream, VICTIM, 'wrongChainId', { from: wrongChainFrom, to: wrongChainTo }),
        ...MATRIX.map((fault) =>
          faultExercised(stage.upstream, VICTIM, fault.recorded, windowOf(fault.name)),
        ),
        redirectsNeverFollowed(stage.upstream),
        // A half-failing provider trips and recovers, but each cycle waits out halfOpenAfterMs (2 s): at
        // most open, half-open and closed (or healthy/unhealthy) per cycle, so ≤ 3 per 2 s = 90 a minute.
        boundedTransitions(stage.upstream, VICTIM, (3 * 60_000) / CHAOS_POOL_KNOBS.breaker.halfOpenAfterMs),
      ]
      const victimCalls = stage.upstream.filter(
        (event) => event.kind === 'received' && event.providerId === VICTIM,
      ).length
      return {
        rows: summarise(
          events,
          phases.list.map((phase) => phase.name),
        ),
        verdicts,
        notes: [
          `3 providers (alpha 15 ms, bravo 30 ms, ${VICTIM} 0 ms: the fastest); 12 clients, one request per 50 ms each, half of them round-robin.`,
          `Each fault for ${phaseMs / 1_000} s: on every request of ${VICTIM} until the first is injected, then on ${Math.round(rate * 100)} %; ${victimCalls} requests reached it in all. 5xx, 429s, -32603 and truncated bodies come from the devnet's personality; non-JSON 200, empty 200, 3xx and the wrong chain id from the chaos package's recording front.`,
        ],
        history: { clients: events, upstream: stage.upstream, phases: phases.list, endedAt },
      }
    } finally {
      await stage.stop()
    }
  },
}
