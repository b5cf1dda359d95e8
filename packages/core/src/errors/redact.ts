/** Query parameters whose values are treated as credentials. */
const SECRET_QUERY_KEYS =
  /^(api[-_]?key|key|token|access[-_]?token|auth|secret|password|project[-_]?secret)$/i
/** Path segments that look like API keys (Infura's /v3/<key>, Alchemy's /v2/<key>, ...). */
const KEY_LIKE_SEGMENT = /^[A-Za-z0-9_-]{16,}$/

/**
 * Returns `url` with credentials removed: user info, key-like path segments and secret query values
 * become `***`. Use it on every URL that could reach a log, a metric, an error or the UI. Strings that
 * are not URLs are returned with anything key-like masked.
 *
 * @example
 * redactUrl('https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef')
 * // 'https://mainnet.infura.io/v3/***'
 */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url.replace(/[A-Za-z0-9_-]{16,}/g, '***')
  }
  if (parsed.username) parsed.username = '***'
  if (parsed.password) parsed.password = '***'
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => (KEY_LIKE_SEGMENT.test(segment) ? '***' : segment))
    .join('/')
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, '***')
  }
  return parsed.toString().replaceAll('%2A%2A%2A', '***')
}
