import type { ErrorMix, PersonalityPatch } from '../api/types.js'
import { shortHash } from '../format/format.js'
import type { Scenario, ScenarioContext, ScenarioStep } from './runner.js'

/** How long each scenario lets an effect show before the next step. */
export const scenarioTiming = {
  /** Long enough for a health probe to find a killed provider down and the racing leader to change. */
  observeMs: 8_000,
  /**
   * Long enough for the next health probe to find a revived provider up (the pool probes every 5 s by
   * default) and for a request to reach it.
   */
  recoverMs: 10_000,
  /** Between two kills of the cascade. */
  cascadeMs: 5_000,
} as const

const seconds = (ms: number) => `${ms / 1_000} s`
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`

const leaderOf = (context: ScenarioContext): string => {
  const leader = context.leader ?? context.providers[0]
  if (!leader) throw new Error(`no provider on ${context.chain}`)
  return leader
}

/** Blocks the reorg scenario replaces unless another depth is picked: deeper than one, short of a page. */
const REORG_DEPTH = 3

/** Clean personality: what the rate-limit storm, lag and recovery scenarios put back. */
const calm: PersonalityPatch = { errorRate: 0, lagBlocks: 0 }
/** Injected errors that are all 429s, and the devnet's default even mix to put back. */
const rateLimitOnly: ErrorMix = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }
const evenMix: ErrorMix = { serverError: 1, rateLimit: 1, rpcError: 1, malformed: 1 }

const restore = (ids: string[]): ScenarioStep[] =>
  ids.map((id) => ({
    say: `restore ${id} (revive, no injected errors or lag, cooldown ended)`,
    run: async (context: ScenarioContext) => {
      await context.revive(id)
      await context.personality(id, calm)
      await context.healthy(id)
    },
  }))

/** The built-in scenarios, in the Live Test tab's order; `kill-leader` is also one click on the Live Dashboard. */
export const scenarios: Scenario[] = [
  {
    id: 'kill-leader',
    title: 'Kill the leader',
    summary:
      'Kill the leaderboard’s top provider, watch traffic fail over, then revive it and watch it come back.',
    plan(context) {
      const leader = leaderOf(context)
      const chain = context.chain
      return {
        steps: [
          { say: `leader of ${chain} is ${leader} (top of the leaderboard)` },
          { say: `kill ${leader}: its port stops answering`, run: (ctx) => ctx.kill(leader) },
          {
            say: `traffic moves off ${leader}: routing fails over, health probes find it down`,
            run: async (ctx, signal) => {
              const moved = await ctx.nextDecision(
                (decision) => decision.result === 'ok' && decision.providerId !== leader,
                { timeoutMs: scenarioTiming.observeMs, signal },
              )
              if (!moved) return `no request on ${chain} answered within ${seconds(scenarioTiming.observeMs)}`
              const failovers = moved.failoverCount
              return `now served by ${moved.providerId}${failovers > 0 ? ` (after ${failovers} failover${failovers > 1 ? 's' : ''})` : ''}`
            },
            // Long enough for a probe to find it down and the race leader to change.
            waitMs: scenarioTiming.observeMs,
          },
          { say: `revive ${leader}`, run: (ctx) => ctx.revive(leader) },
          {
            // "Back" is the provider answering again; whether traffic stays with it is the strategy's
            // call (the leaderboard strategy follows whoever leads the races now).
            say: `${leader} comes back: the next health probe finds it up`,
            run: async (ctx, signal) => {
              const back = await ctx.nextDecision(
                (decision) => decision.result === 'ok' && decision.providerId === leader,
                { timeoutMs: scenarioTiming.recoverMs, signal },
              )
              return back
                ? `${leader} answers requests again`
                : `${leader} got no request within ${seconds(scenarioTiming.recoverMs)}: routing prefers another provider`
            },
          },
        ],
        cleanup: [{ say: `make sure ${leader} is up`, run: (ctx) => ctx.revive(leader) }],
      }
    },
  },
  {
    id: 'recovery',
    title: 'Recovery',
    summary:
      'Make a provider fail every request until it is out of rotation, then heal it and watch it recover.',
    plan(context) {
      const target = leaderOf(context)
      return {
        steps: [
          {
            say: `${target} fails every request (errorRate 100%)`,
            run: (ctx) => ctx.personality(target, { errorRate: 1 }),
            waitMs: scenarioTiming.observeMs,
          },
          {
            say: `heal ${target} (errorRate 0%)`,
            run: (ctx) => ctx.personality(target, { errorRate: 0 }),
            waitMs: scenarioTiming.recoverMs,
          },
          {
            say: 'watch: the next health probe succeeds, it is back in rotation (its breaker closes if it opened)',
          },
        ],
        cleanup: restore([target]),
      }
    },
  },
  {
    id: 'rate-limit-storm',
    title: 'Rate-limit storm',
    summary:
      'Most providers answer 40% of requests with HTTP 429 and Retry-After; the pool cools them down and routes elsewhere.',
    plan(context) {
      // All but one provider: the storm should hurt, and one clean provider shows where traffic goes.
      const stormed = context.providers.slice(0, Math.max(1, context.providers.length - 1))
      return {
        steps: [
          ...stormed.map((id) => ({
            say: `${id}: 40% of requests answered 429 Too Many Requests`,
            run: (ctx: ScenarioContext) => ctx.personality(id, { errorRate: 0.4, errorMix: rateLimitOnly }),
          })),
          { say: 'watch: error rate, failovers and cooldowns climb', waitMs: scenarioTiming.recoverMs },
        ],
        cleanup: stormed.map((id) => ({
          say: `${id}: storm over`,
          run: (ctx: ScenarioContext) => ctx.personality(id, { errorRate: 0, errorMix: evenMix }),
        })),
      }
    },
  },
  {
    id: 'lagging-provider',
    title: 'Lagging provider',
    summary: 'The leader falls 5 blocks behind the head; health marks it lagging and routing avoids it.',
    plan(context) {
      const target = leaderOf(context)
      return {
        steps: [
          {
            say: `${target} trails the head by 5 blocks`,
            run: (ctx) => ctx.personality(target, { lagBlocks: 5 }),
            waitMs: scenarioTiming.recoverMs,
          },
          { say: 'watch: state turns lagging, head lag column grows, traffic moves' },
          {
            say: `${target} catches up`,
            run: (ctx) => ctx.personality(target, { lagBlocks: 0 }),
            waitMs: scenarioTiming.observeMs,
          },
        ],
        cleanup: [{ say: `${target}: no lag`, run: (ctx) => ctx.personality(target, { lagBlocks: 0 }) }],
      }
    },
  },
  {
    id: 'reorg',
    title: 'Chain reorg',
    summary:
      'Replace the newest blocks of the chain with new ones at the same heights (their transactions re-included); the pool follows the new branch.',
    settings: [{ key: 'depth', label: 'depth', min: 1, default: REORG_DEPTH }],
    plan(context, settings) {
      const depth = settings.depth ?? REORG_DEPTH
      const chain = context.chain
      let newBranch: string[] = []
      return {
        steps: [
          {
            say: `reorganise ${chain}: replace its newest ${plural(depth, 'block')}`,
            run: async (ctx) => {
              const { replaced, blocks, reincluded } = await ctx.reorg(depth)
              newBranch = blocks.map((block) => block.hash)
              const first = replaced[0]
              const last = replaced.at(-1)
              const heights = first === last ? `#${first?.number}` : `#${first?.number}–#${last?.number}`
              return `${heights}: head ${shortHash(last?.hash)} → ${shortHash(blocks.at(-1)?.hash)}, ${plural(reincluded.length, 'transaction')} re-included`
            },
          },
          {
            // The new blocks reach the pool through the providers' newHeads (or its back-fill): its
            // canonical chain switches branch and publishes them, and log subscribers get removals.
            say: 'the pool follows the new branch',
            run: async (ctx, signal) => {
              const seen = await ctx.seeBlock((block) => newBranch.includes(block.hash), {
                timeoutMs: scenarioTiming.observeMs,
                signal,
              })
              return seen
                ? `new block #${seen.number} ${shortHash(seen.hash)}, first from ${seen.firstProviderId}`
                : `no block of the new branch within ${seconds(scenarioTiming.observeMs)}`
            },
          },
          { say: 'watch: the latest blocks show the replaced heights again, with new hashes' },
        ],
        // A reorg is history: nothing to put back.
        cleanup: [],
      }
    },
  },
  {
    id: 'cascading-failures',
    title: 'Cascading failures',
    summary: 'Kill providers one by one until none is left, then bring them all back.',
    plan(context) {
      if (context.providers.length === 0) throw new Error(`no provider on ${context.chain}`)
      const order = context.leader
        ? [context.leader, ...context.providers.filter((id) => id !== context.leader)]
        : context.providers
      return {
        steps: [
          ...order.map((id, index) => ({
            say: `kill ${id} (${index + 1} of ${order.length} down)`,
            run: (ctx: ScenarioContext) => ctx.kill(id),
            waitMs: scenarioTiming.cascadeMs,
          })),
          { say: 'watch: every provider down, requests fail fast', waitMs: scenarioTiming.cascadeMs },
        ],
        cleanup: order.map((id) => ({ say: `revive ${id}`, run: (ctx: ScenarioContext) => ctx.revive(id) })),
      }
    },
  },
]
