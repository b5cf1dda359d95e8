// The injected errors' statuses, codes and messages are core's (`INJECTED_ERRORS`, shared with the mock
// provider); how a malformed answer is made is the devnet's alone.
export { INJECTED_ERRORS } from '@chainpulse/core/testing'

/** Cuts a body in half, so it is no longer valid JSON: the "malformed/truncated body" fault. */
export function truncateBody(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)))
}
