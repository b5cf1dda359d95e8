import type { FastifyRequest } from 'fastify'
import { createApiKeyVerifier } from '../../security/api-keys.js'

/** Header carrying the admin token that opens the demo controls outside demo mode. */
export const ADMIN_TOKEN_HEADER = 'x-chainpulse-admin-token'

/** Decides whether a request may use the demo controls. */
export type ControlAccess = (request: FastifyRequest) => boolean

/**
 * Demo mode opens the controls to everyone; otherwise only a request carrying the configured admin
 * token may use them, compared in constant time (as API keys are). Without demo mode and without a
 * token configured, nobody may.
 */
export function createControlAccess(options: {
  demo: boolean
  adminToken?: string | undefined
}): ControlAccess {
  if (options.demo) return () => true
  if (options.adminToken === undefined) return () => false
  const verifier = createApiKeyVerifier([options.adminToken])
  return (request) => {
    const presented = request.headers[ADMIN_TOKEN_HEADER]
    return typeof presented === 'string' && verifier.verify(presented) !== undefined
  }
}
