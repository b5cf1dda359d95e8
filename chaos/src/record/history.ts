/** How a client's request ended, from the client's side alone. */
export type ClientOutcome =
  /** HTTP 200 with a JSON-RPC `result`. */
  | 'result'
  /** A parseable JSON-RPC error object (any HTTP status). */
  | 'rpc-error'
  /** An HTTP answer that is not a JSON-RPC response (HTML, empty, truncated). */
  | 'unparseable'
  /** The connection failed or was reset before an answer. */
  | 'transport-error'
  /** No answer within the client's own timeout: the request hung. */
  | 'timeout'

/** One request as a client saw it. Times are ms since the scenario's start. */
export interface ClientEvent {
  client: number
  /** The JSON-RPC id the client sent. */
  id: number
  method: string
  /** The scenario's phase when the request was sent (e.g. `baseline`, `killed`). */
  phase: string
  sentAt: number
  durationMs: number
  /** HTTP status; 0 when there was no HTTP answer. */
  status: number
  outcome: ClientOutcome
  /** The `id` of the JSON-RPC answer, as received (undefined when there was none). */
  answerId?: unknown
  /** JSON-RPC error code and message, for `rpc-error`. */
  errorCode?: number
  errorMessage?: string
  /** ChainPulse's own error code (`error.data.code`), when it sent one. */
  chainpulseCode?: string
  /** `x-chainpulse-provider`: who answered. */
  provider?: string
  /** Transport or parse problem, for the report. */
  detail?: string
}

/** What happened upstream, as the pool and the devnet saw it. Times are ms since the scenario's start. */
export type UpstreamEvent =
  | {
      at: number
      kind: 'decision'
      providerId: string
      method: string
      result: 'ok' | 'error'
      attempts: number
    }
  | { at: number; kind: 'provider'; providerId: string; type: string; detail?: string }
  | {
      /** A request a recording or hostile upstream received (probes included). */
      at: number
      kind: 'received'
      providerId: string
      method: string
      /** The fault it was answered with (`none` when answered normally). */
      fault: string
    }
  | {
      /** A scenario action: kill, hang, revive, fault change. */
      at: number
      kind: 'action'
      providerId: string
      action: string
    }

/** A block header as a `newHeads` notification carried it. */
export interface DeliveredHead {
  number: number
  hash: string
  parentHash: string
}

/**
 * One thing a subscribing WebSocket client saw. `connection` counts the client's connections (0 for the
 * first, 1 after its first reconnect, ...): a subscription lives and dies with its connection.
 */
export type SubscriptionEvent =
  | { at: number; client: number; connection: number; kind: 'subscribed'; subscription: string }
  | { at: number; client: number; connection: number; kind: 'head'; head: DeliveredHead }
  /** The socket closed (or never opened: `opened: false`), with its close code. */
  | { at: number; client: number; connection: number; kind: 'closed'; code: number; opened: boolean }
  /** `eth_subscribe` answered an error, or a frame could not be read. */
  | { at: number; client: number; connection: number; kind: 'error'; detail: string }

/** Everything recorded in one scenario run. */
export interface History {
  clients: ClientEvent[]
  /** Every event of the scenario's subscribing WebSocket clients, when it has some. */
  subscriptions?: SubscriptionEvent[]
  upstream: UpstreamEvent[]
  /** When each phase started (ms since the scenario's start), in order. */
  phases: { name: string; at: number }[]
  /** When the run ended. */
  endedAt: number
}
