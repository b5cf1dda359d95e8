/**
 * Turns an HTTP `Retry-After` value into a delay in milliseconds: either delay-seconds (`"120"`) or an
 * HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured from `nowMs`, wall-clock). Dates in the past
 * give 0. Returns `undefined` when the header is absent or unreadable, so the caller picks its default.
 *
 * @example
 * parseRetryAfter('2', Date.now()) // 2000
 * parseRetryAfter(new Date(Date.now() + 5_000).toUTCString(), Date.now()) // ~5000
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  // RFC 9110 says integer seconds; some servers send decimals, which are harmless to accept.
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP date always names a weekday and month; this keeps Date.parse from reading "-5" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - nowMs)
}

/**
 * The wait a JSON-RPC rate-limit error's `data` asks for (Infura's `data.rate.backoff_seconds`), in
 * milliseconds, or `undefined` when it says nothing.
 *
 * @example
 * backoffFromErrorData({ rate: { allowed_rps: 1, backoff_seconds: 30 } }) // 30000
 */
export function backoffFromErrorData(data: unknown): number | undefined {
  const seconds = (data as { rate?: { backoff_seconds?: unknown } } | undefined)?.rate?.backoff_seconds
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined
}
