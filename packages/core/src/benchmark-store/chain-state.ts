import type { ConfigIssue } from '../errors/errors.js'
import { BoundedNames } from './bounded-names.js'
import { CallLedger } from './call-ledger.js'
import { RaceLedger } from './race-ledger.js'
import type { RecentConfig } from './recent-stats.js'
import type { ChainSnapshot } from './types.js'

/** Limits and timing shared by every chain of a store (already validated). */
export interface ChainConfig {
  maxEntries: number
  maxProviders: number
  maxMethods: number
  maxStrategies: number
  maxEventTypes: number
  recent: RecentConfig
}

/**
 * Everything the benchmark store keeps about one chain: the interned names both ledgers refer to, the
 * race ledger and the call ledger. Internal: the store routes each call to its chain's state.
 */
export class ChainState {
  readonly providers: BoundedNames
  readonly eventTypes: BoundedNames
  readonly methods: BoundedNames
  readonly strategies: BoundedNames
  readonly races: RaceLedger
  readonly calls: CallLedger

  constructor(
    readonly name: string,
    config: ChainConfig,
  ) {
    this.providers = new BoundedNames(config.maxProviders)
    this.eventTypes = new BoundedNames(config.maxEventTypes)
    this.methods = new BoundedNames(config.maxMethods)
    this.strategies = new BoundedNames(config.maxStrategies)
    this.races = new RaceLedger(this.providers, this.eventTypes, config.maxEntries)
    this.calls = new CallLedger(this, config.recent, config.maxEntries)
  }

  toJSON(maxEntries?: number): ChainSnapshot {
    return {
      chain: this.name,
      providers: [...this.providers.list],
      eventTypes: [...this.eventTypes.list],
      methods: [...this.methods.list],
      strategies: [...this.strategies.list],
      ...this.races.toJSON(maxEntries),
      ...this.calls.toJSON(maxEntries),
    }
  }

  /**
   * Rebuilds a chain from a snapshot the snapshot schema accepted, shifting timestamps by `shift`. Names
   * past this store's limits are pushed to `issues` with paths under `path`; the returned state is only
   * usable when none were added.
   */
  static fromJSON(
    snapshot: ChainSnapshot,
    config: ChainConfig,
    shift: number,
    path: string,
    issues: ConfigIssue[],
  ): ChainState {
    const state = new ChainState(snapshot.chain, config)
    const issuesBefore = issues.length
    for (const field of ['providers', 'eventTypes', 'methods', 'strategies'] as const) {
      const bounded = state[field]
      snapshot[field].forEach((name, index) => {
        if (bounded.intern(name) !== index || bounded.list[index] !== name) {
          issues.push({
            path: `${path}.${field}.${index}`,
            message: `"${name.slice(0, 40)}" is a duplicate, too long, or past the limit of ${bounded.limit}`,
          })
        }
      })
    }
    if (issues.length > issuesBefore) return state
    state.races.restore(snapshot, shift)
    state.calls.restore(snapshot, shift)
    return state
  }
}
