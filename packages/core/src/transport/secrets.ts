import { redactUrl } from '../errors/redact.js'

/**
 * Returns a function that masks every credential of `url` (user info, key-like path segments, secret
 * query values — exactly what {@link redactUrl} hides) wherever it appears in a text. Transports run
 * upstream bodies and low-level error messages through it before they reach an error, because an
 * upstream may echo the key it was called with ("invalid project id 0123…").
 */
export function createSecretScrubber(url: string): (text: string) => string {
  const secrets = urlSecrets(url)
  if (secrets.length === 0) return (text) => text
  return (text) => {
    let scrubbed = text
    for (const secret of secrets) scrubbed = scrubbed.split(secret).join('***')
    return scrubbed
  }
}

/** The credential parts of `url`, found by comparing it with its redacted form; longest first. */
function urlSecrets(url: string): string[] {
  let raw: URL
  let redacted: URL
  try {
    raw = new URL(url)
    redacted = new URL(redactUrl(url))
  } catch {
    return []
  }
  const found = new Set<string>()
  const add = (value: string) => {
    if (value === '' || value === '***') return
    found.add(value)
    try {
      found.add(decodeURIComponent(value))
    } catch {
      // A malformed escape: the raw form is already in the set.
    }
    found.add(encodeURIComponent(value))
  }
  if (raw.username !== redacted.username) add(raw.username)
  if (raw.password !== redacted.password) add(raw.password)
  const rawSegments = raw.pathname.split('/')
  const redactedSegments = redacted.pathname.split('/')
  rawSegments.forEach((segment, index) => {
    if (segment !== redactedSegments[index]) add(segment)
  })
  for (const [key, value] of raw.searchParams) {
    if (redacted.searchParams.get(key) !== value) add(value)
  }
  return [...found].filter((secret) => secret !== '').sort((a, b) => b.length - a.length)
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
  const text = `${error.message}\n${error.stack ?? ''}`
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
