import type { ErrorMix } from './personality.js'

/**
 * The errors a provider injects, with the status and JSON-RPC code a client sees. Messages say they are
 * injected so nobody mistakes them for a real node failure while debugging.
 */
export const INJECTED_ERRORS: Readonly<
  Record<Exclude<keyof ErrorMix, 'malformed'>, { status: number; code: number; message: string }>
> = {
  serverError: { status: 503, code: -32000, message: 'Service unavailable (injected by chainpulse devnet)' },
  rateLimit: { status: 429, code: -32005, message: 'Too many requests (injected by chainpulse devnet)' },
  rpcError: { status: 200, code: -32603, message: 'Internal error (injected by chainpulse devnet)' },
}

/** Cuts a body in half, so it is no longer valid JSON: the "malformed/truncated body" fault. */
export function truncateBody(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)))
}
