import type { RequestFaultKind } from '@chainpulse/core/testing'

/** Counters of one provider since it started; what a client would see, summed. */
export interface ProviderStats {
  /** Requests (HTTP bodies and WebSocket messages) received. */
  requests: number
  /** How those requests were answered, by fault kind (`none` = answered normally). */
  outcomes: Record<RequestFaultKind, number>
  /** Requests whose answer a stall (`stallRate`) held back, whatever the outcome. */
  stalls: number
  /** WebSocket connections open now. */
  wsConnections: number
  /** Subscription notifications sent. */
  notifications: number
  /** WebSocket connections dropped by `wsDropRate` or `dropConnections()`. */
  drops: number
}

/** Creates zeroed provider counters. */
export function createProviderStats(): ProviderStats {
  return {
    requests: 0,
    outcomes: { none: 0, serverError: 0, rateLimit: 0, rpcError: 0, malformed: 0, hang: 0 },
    stalls: 0,
    wsConnections: 0,
    notifications: 0,
    drops: 0,
  }
}
