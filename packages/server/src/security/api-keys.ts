import { createHash, timingSafeEqual } from 'node:crypto'

/** Checks presented API keys against the configured ones. */
export interface ApiKeyVerifier {
  /** False when no keys are configured: every request is let through. */
  readonly required: boolean
  /**
   * The matching key's client id (`key-<index>`, for rate limiting and logs; never the key itself), or
   * `undefined` when `presented` matches no key.
   */
  verify(presented: string | undefined): string | undefined
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/**
 * Builds a verifier over `keys`. Keys are compared as SHA-256 digests with `timingSafeEqual`, and every
 * configured key is compared on every call, so neither the length nor the content of a guess, nor which
 * key it is close to, shows in the response time.
 *
 * @example
 * const verifier = createApiKeyVerifier([process.env.CHAINPULSE_KEY!])
 * verifier.verify(request.headers['x-api-key']) // 'key-0' or undefined
 */
export function createApiKeyVerifier(keys: readonly string[]): ApiKeyVerifier {
  const digests = keys.map(digest)
  return {
    required: digests.length > 0,
    verify(presented) {
      if (presented === undefined) return undefined
      const candidate = digest(presented)
      let match = -1
      for (let index = 0; index < digests.length; index++) {
        // No early exit: the loop takes the same time whichever key matches.
        if (timingSafeEqual(candidate, digests[index]!) && match === -1) match = index
      }
      return match === -1 ? undefined : `key-${match}`
    },
  }
}
