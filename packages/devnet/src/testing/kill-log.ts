import type { ProviderPoolEvent } from '@chainpulse/core'

/** One thing a {@link KillLog} saw. */
export interface KillLogEntry {
  /** The instance (a pool, or a server of a cluster) it happened at. */
  instance: string
  /** An upstream call, a first-hand verdict on a provider (`unhealthy`, `circuit_open`), or the kill. */
  kind: 'call' | 'verdict' | 'killed'
  providerId: string
  /** A call's JSON-RPC method. */
  method?: string
}

/** The first verdict on a killed provider, and what the other instances sent it after. */
export interface AfterFirstVerdict {
  /** The instance whose first-hand verdict came first. */
  judge: string
  /** Calls of the method that the instances other than the judge sent the provider after that verdict. */
  callsAfterVerdict: number
}

/**
 * Records, in the order they happen, the upstream calls and first-hand verdicts of several instances
 * sharing a devnet's providers, and the moment one provider is killed: what a test or benchmark of
 * shared provider observations (issue 17) counts.
 */
export interface KillLog {
  /** Everything recorded, oldest first. */
  readonly entries: readonly KillLogEntry[]
  /**
   * A pool `fetch` for `instance`: records each upstream call (the provider by its URL, the request's
   * method), then sends it with the global `fetch`.
   */
  fetch(instance: string): (url: string, init?: RequestInit) => Promise<Response>
  /**
   * A `provider_pool:events` listener that records `instance`'s own first-hand verdicts: not a peer's
   * (an event with an origin), not one following a peer's (`viaPeer`).
   */
  verdicts(instance: string): (event: ProviderPoolEvent, topic: string, origin: string | undefined) => void
  /** Records that `instance` killed `providerId`; call it just before the kill. */
  killed(instance: string, providerId: string): void
  /**
   * The first verdict on `providerId` after its kill, and the `method` calls the other instances sent
   * it after that verdict; undefined when no instance judged it.
   */
  afterFirstVerdict(providerId: string, method: string): AfterFirstVerdict | undefined
}

/**
 * Starts a {@link KillLog} over the providers the instances call (ids by HTTP URL).
 *
 * @example
 * const log = createKillLog(devnet.manifest.providers)
 * const pool = createProviderPool({ ...config, fetch: log.fetch('A') })
 * pool.pubsub.subscribe('provider_pool:events', log.verdicts('A'))
 */
export function createKillLog(providers: readonly { id: string; httpUrl: string }[]): KillLog {
  const byUrl = new Map(providers.map((provider) => [provider.httpUrl, provider.id]))
  const entries: KillLogEntry[] = []
  return {
    entries,
    fetch: (instance) => (url, init) => {
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
      entries.push({ instance, kind: 'call', providerId: byUrl.get(url) ?? url, method: body?.method })
      return fetch(url, init)
    },
    verdicts: (instance) => (event, _topic, origin) => {
      if (origin !== undefined || event.viaPeer !== undefined) return
      if (event.type === 'unhealthy' || event.type === 'circuit_open')
        entries.push({ instance, kind: 'verdict', providerId: event.providerId })
    },
    killed: (instance, providerId) => {
      entries.push({ instance, kind: 'killed', providerId })
    },
    afterFirstVerdict(providerId, method) {
      const kill = entries.findIndex((entry) => entry.kind === 'killed')
      const first = entries.findIndex(
        (entry, index) => index > kill && entry.kind === 'verdict' && entry.providerId === providerId,
      )
      if (first < 0) return undefined
      const judge = entries[first]!.instance
      const callsAfterVerdict = entries
        .slice(first + 1)
        .filter(
          (entry) =>
            entry.kind === 'call' &&
            entry.providerId === providerId &&
            entry.method === method &&
            entry.instance !== judge,
        ).length
      return { judge, callsAfterVerdict }
    },
  }
}
