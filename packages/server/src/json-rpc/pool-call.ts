import type { PoolRequestOptions } from '@chainpulse/core'
import type { FastifyBaseLogger } from 'fastify'
import type { ProxyPool } from '../proxy-pool.js'
import type { Redactor } from '../security/redaction.js'
import type { CallOutcome, CallRouting } from './dispatch.js'
import { logCallFailure } from './log-call-failure.js'
import type { RpcCall } from './parse-body.js'
import { mapPoolError } from './pool-errors.js'

/** Where a failed call is logged, and how its error is redacted. */
export interface PoolCallFailures {
  log: FastifyBaseLogger
  redact: Redactor
  /** Leave out when `log` already carries the chain (the WebSocket connection's logger does). */
  chain?: string
}

/**
 * Sends one call through the pool, the same way for HTTP and WebSocket clients: the answer with its
 * upstream's exact result text and its routing, or the pool's error mapped to the JSON-RPC error the
 * client gets (an upstream's own error relayed as it came) and logged when it says something about the
 * upstreams. Never throws.
 *
 * @example
 * const outcome = await callPool(pool, 'ethereum', call, { clientId }, { log, redact })
 */
export async function callPool(
  pool: ProxyPool,
  chain: string,
  call: RpcCall,
  options: PoolRequestOptions,
  failures: PoolCallFailures,
): Promise<CallOutcome> {
  try {
    const answer = await pool.request(
      call.params === undefined
        ? { chain, method: call.method }
        : { chain, method: call.method, params: call.params },
      options,
    )
    const routing: CallRouting = {
      providerId: answer.providerId,
      strategy: answer.strategy,
      attempts: answer.attempts,
    }
    // A miss that joined an identical read in flight says so: it cost no upstream call of its own.
    if (answer.cache === 'hit') routing.cache = 'hit'
    else if (answer.coalesced) routing.cache = 'coalesced'
    else if (options.coalesce === false || options.cache === false) routing.cache = 'bypass'
    else if (answer.cache === 'miss') routing.cache = 'miss'
    return { ok: true, result: answer.result, rawResult: answer.rawResult, routing }
  } catch (thrown) {
    const mapped = mapPoolError(thrown, failures.redact)
    logCallFailure({ ...failures, method: call.method, thrown, mapped })
    return { ok: false, error: mapped.error, rawError: mapped.rawError, routing: mapped.routing }
  }
}
