import { redactUrl, redactUrlsInText, urlSecrets } from '../errors/redact.js'

/**
 * Returns a function that hides `url`'s secrets in a text: every URL in it is cut to its origin (see
 * `redactUrl`), and every secret part of `url` (see `urlSecrets`) is masked wherever it appears.
 * Transports run everything an upstream or the runtime wrote — bodies, JSON-RPC errors, close reasons,
 * low-level error messages — through it before it reaches an error or a caller, because an upstream
 * may echo the key it was called with ("invalid project id 0123…"). For a URL with nothing after its
 * origin it returns the text unchanged.
 */
export function createSecretScrubber(url: string): (text: string) => string {
  const secrets = urlSecrets(url)
  if (redactUrl(url) === url) return (text) => text
  return (text) => {
    let scrubbed = redactUrlsInText(text)
    for (const secret of secrets) if (scrubbed.includes(secret)) scrubbed = scrubbed.replaceAll(secret, '***')
    return scrubbed
  }
}

/**
 * Returns `response` unchanged unless a JSON-RPC error in it (one response or a batch) quotes a secret;
 * then a copy whose error strings are scrubbed. The error object is otherwise passed on as the upstream
 * sent it (codes, structure and every other string intact).
 */
export function scrubRpcErrors<T>(response: T, scrub: (text: string) => string): T {
  if (Array.isArray(response)) {
    let changed = false
    const items = response.map((item: unknown) => {
      const clean = scrubRpcErrors(item, scrub)
      if (clean !== item) changed = true
      return clean
    })
    return (changed ? items : response) as T
  }
  if (typeof response !== 'object' || response === null || !('error' in response)) return response
  const error = scrubStrings(response.error, scrub, 0)
  return error === response.error ? response : { ...response, error }
}

/** `value` itself when no string in it changes under `scrub`, else a copy with the strings scrubbed. */
function scrubStrings(value: unknown, scrub: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return scrub(value)
  // Deeper than any error object an upstream sends: stringify the rest and scrub it as one text.
  if (depth > 8 && typeof value === 'object' && value !== null) {
    const text = JSON.stringify(value)
    const scrubbed = scrub(text)
    return scrubbed === text ? value : scrubbed
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => scrubStrings(item, scrub, depth + 1))
    return items.some((item, index) => item !== value[index]) ? items : value
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, scrubStrings(item, scrub, depth + 1)] as const,
    )
    const changed = entries.some(([key, item]) => item !== (value as Record<string, unknown>)[key])
    return changed ? Object.fromEntries(entries) : value
  }
  return value
}

/**
 * Returns `error` unchanged when no secret of the transport's URL appears in its message chain;
 * otherwise a plain `Error` with the scrubbed message (keeping `name` and `code`), so a cause attached
 * to a ChainPulse error never leaks a key.
 */
export function scrubCause(error: unknown, scrub: (text: string) => string): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? scrub(error) : error
  if (!leaks(error, scrub, 0)) return error
  const copy = new Error(scrub(describeChain(error)))
  copy.name = error.name
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

function leaks(error: unknown, scrub: (text: string) => string, depth: number): boolean {
  if (!(error instanceof Error) || depth > 4) return false
  // Own string properties too (`url`, `input`, …): a logger serialises them with the error.
  const strings = Object.values(error).filter((value): value is string => typeof value === 'string')
  const text = [error.message, error.stack ?? '', ...strings].join('\n')
  return scrub(text) !== text || leaks(error.cause, scrub, depth + 1)
}

function describeChain(error: Error): string {
  const parts = [error.message]
  let cause = error.cause
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    parts.push(cause.message)
    cause = cause.cause
  }
  return parts.join(': ')
}
