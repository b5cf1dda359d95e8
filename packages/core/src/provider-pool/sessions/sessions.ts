import type { Clock } from '../../clock/clock.js'

/**
 * Methods of a sender's nonce → estimate → send → receipt sequence: what a node holds in its own
 * mempool (the pending nonce, a transaction it took but has not shared yet, fee suggestions drawn from
 * it). Calls of these share one provider per client by default (`sessions.transactionFlow`).
 * `eth_fillTransaction` is the nonce, fees and gas in one call (viem tries it before the separate ones).
 */
export const TRANSACTION_FLOW_METHODS: readonly string[] = [
  'eth_fillTransaction',
  'eth_getTransactionCount',
  'eth_estimateGas',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_sendRawTransaction',
  'eth_sendTransaction',
  'eth_getTransactionByHash',
  'eth_getTransactionReceipt',
]

/** Options of {@link createSessions}. */
export interface SessionsOptions {
  /** A session with no call for this long is forgotten (ms). */
  idleTtlMs: number
  /** Sessions held at once, every chain and client together; past it the least recently used goes. */
  maxSessions: number
  /**
   * Sessions one client holds at once, every chain together; past it that client's least recently used
   * goes, so no client can push another's sessions out by minting keys.
   */
  maxPerClient: number
  /** The implicit per-client session of the transaction-flow methods, or `false` for none. */
  transactionFlow: false | { idleTtlMs: number; methods: readonly string[] }
  clock: Clock
  /** A fresh opaque session id, for routing decisions: never derived from the key, which may be secret. */
  newId(): string
}

/** What a routing decision says about the session a call belonged to. */
export interface SessionNote {
  /** The session's opaque id (not the client's key). */
  session: string
  /** The provider the session was on, when this call moved it to another one. */
  movedFrom?: string
}

/** One call's view of its session, between planning and the answer. */
export interface SessionCall {
  /** The provider the session is on: tried first while it is usable. `undefined` for a new session. */
  readonly providerId: string | undefined
  /** A new session starts on the provider the plan tries first, so calls made meanwhile join it there. */
  start(providerId: string | undefined): void
  /**
   * This call goes elsewhere for a reason of its own while the session's provider stays usable (it names
   * a block that provider has not reported yet): its answer does not move the session.
   */
  detour(): void
  /**
   * The call ended, answered by `answeredBy` (`undefined`: nothing answered, the session stays where it
   * is). The session moves to the provider that answered, unless another call of it moved it meanwhile.
   */
  settle(answeredBy: string | undefined): SessionNote | undefined
}

/** The sessions of a pool. */
export interface Sessions {
  /**
   * The session of one call: the caller's `session` key, else the client's transaction flow for its
   * methods, else none (`undefined`). Keys are scoped per chain and client, so one client's key can
   * never reach another client's session.
   */
  open(chain: string, method: string, clientId: string, session: string | undefined): SessionCall | undefined
  /** Sessions held (expired ones not yet swept count until they are). */
  size(): number
}

interface Session {
  readonly id: string
  readonly clientId: string
  providerId: string
  /** False until a call of the session was answered: its first answer places it without a move. */
  answered: boolean
  readonly ttlMs: number
  expiresAt: number
}

/**
 * Session affinity: calls that belong together go to one provider while it is usable, and when a call
 * is answered elsewhere (its provider was unusable, or failed), the session moves there. Sessions live
 * in memory, in one least-recently-used map bounded by `maxSessions` (and `maxPerClient` per client),
 * and expire after their idle TTL (checked when touched and swept from the oldest end when a new one
 * starts: no timers).
 */
export function createSessions(options: SessionsOptions): Sessions {
  const { clock, transactionFlow } = options
  const flowMethods = transactionFlow ? new Set(transactionFlow.methods) : undefined
  // Insertion order is recency order, in both maps: a touched session is moved to the end.
  const sessions = new Map<string, Session>()
  const byClient = new Map<string, Map<string, Session>>()

  function remove(key: string, session: Session): void {
    sessions.delete(key)
    const own = byClient.get(session.clientId)
    own?.delete(key)
    if (own?.size === 0) byClient.delete(session.clientId)
  }

  function live(key: string, now: number): Session | undefined {
    const session = sessions.get(key)
    if (session === undefined) return undefined
    remove(key, session)
    if (session.expiresAt <= now) return undefined
    session.expiresAt = now + session.ttlMs
    insert(key, session)
    return session
  }

  function insert(key: string, session: Session): void {
    sessions.set(key, session)
    const own = byClient.get(session.clientId)
    if (own) own.set(key, session)
    else byClient.set(session.clientId, new Map([[key, session]]))
  }

  function create(key: string, clientId: string, providerId: string, ttlMs: number, now: number): Session {
    for (const [oldKey, oldest] of sessions) {
      if (oldest.expiresAt > now && sessions.size < options.maxSessions) break
      remove(oldKey, oldest)
    }
    const own = byClient.get(clientId)
    if (own !== undefined && own.size >= options.maxPerClient) {
      const [oldKey, oldest] = own.entries().next().value!
      remove(oldKey, oldest)
    }
    const session: Session = {
      id: options.newId(),
      clientId,
      providerId,
      answered: false,
      ttlMs,
      expiresAt: now + ttlMs,
    }
    insert(key, session)
    return session
  }

  return {
    open(chain, method, clientId, sessionKey) {
      let key: string
      let ttlMs: number
      // Unambiguous whatever the client id holds: chain names have no ':', the client id is length-prefixed.
      if (sessionKey !== undefined) {
        key = `${chain}:s:${clientId.length}:${clientId}${sessionKey}`
        ttlMs = options.idleTtlMs
      } else if (flowMethods?.has(method)) {
        key = `${chain}:t:${clientId}`
        ttlMs = (transactionFlow as { idleTtlMs: number }).idleTtlMs
      } else return undefined
      let session = live(key, clock.now())
      let plannedOn = session?.providerId
      let detoured = false
      return {
        providerId: plannedOn,
        start(providerId) {
          if (session !== undefined || providerId === undefined) return
          // A concurrent call of the same new session may have started it already.
          session = live(key, clock.now()) ?? create(key, clientId, providerId, ttlMs, clock.now())
          plannedOn = session.providerId
        },
        detour() {
          detoured = true
        },
        settle(answeredBy) {
          const now = clock.now()
          let current = live(key, now)
          if (answeredBy === undefined) return current && { session: current.id }
          if (current === undefined) current = create(key, clientId, answeredBy, ttlMs, now)
          const first = !current.answered
          current.answered = true
          if (current.providerId === answeredBy) return { session: current.id }
          // A detour leaves the session where it is. And when another call moved the session since this
          // one was planned, this answer came from an out-of-date choice: it must not move it again.
          if (detoured || current.providerId !== plannedOn) return { session: current.id }
          const movedFrom = current.providerId
          current.providerId = answeredBy
          return first ? { session: current.id } : { session: current.id, movedFrom }
        },
      }
    },
    size: () => sessions.size,
  }
}
