// The rule (docs/transports.md#secrets-in-provider-urls): everything in a provider URL after its origin —
// user info, path, query and fragment — is secret, whatever it looks like. A URL is shown as its origin
// (plus `/***` where something was cut); the parts of a configured URL are masked wherever they turn up
// on their own, except the few that cannot be told apart from ordinary words (see `urlSecrets`).

/** Parts shorter than this are masked only inside their URL: on their own they would hit ordinary words. */
const MIN_SECRET_LENGTH = 6

/**
 * Words so common in provider URLs (API versions, transports, networks, chains) that masking them
 * wherever they appear would garble logs and the dashboard, and that say nothing about an account.
 */
const WELL_KNOWN_PARTS = new Set([
  'api',
  'bc',
  'ext',
  'evm',
  'http',
  'https',
  'json-rpc',
  'jsonrpc',
  'node',
  'nodes',
  'public',
  'rpc',
  'ws',
  'wss',
  'mainnet',
  'testnet',
  'devnet',
  'sepolia',
  'holesky',
  'goerli',
  'arb',
  'arbitrum',
  'avalanche',
  'avax',
  'base',
  'bsc',
  'celo',
  'eth',
  'ethereum',
  'fantom',
  'gnosis',
  'linea',
  'matic',
  'op',
  'optimism',
  'polygon',
  'scroll',
  'zksync',
])
/** `v3`, `v2.1`: API versions. */
const VERSION = /^v\d+(?:\.\d+)*$/i
/** Numbers are chain ids, ports and the like; masking them would also break JSON numbers. */
const DIGITS = /^\d+$/
/** A URL inside free text; a trailing `.`, `,`, `)` and the like is the sentence's, not the URL's. */
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>\\]*[^\s"'<>\\.,;:!?)\]}]/gi
/** A run that looks like an API key, in text that is not a URL. */
const KEY_LIKE_RUN = /[A-Za-z0-9_-]{16,}/g
/** A string that is not a parseable URL but reads like one: optional scheme, authority, then the rest. */
const URL_LIKE = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#\s]*)([/?#][^\s]*)?$/i

/**
 * Returns `url` with everything after its origin hidden: user info, path, query and fragment become
 * `/***` (`https://mainnet.infura.io/v3/<key>` → `https://mainnet.infura.io/***`), whatever they look
 * like, because a key can have any shape. A URL with nothing after its origin is returned as given. Use
 * it on every URL that could reach a log, a metric, an error or the UI.
 *
 * A string that does not parse as a URL is handled by shape: without whitespace it is read as a URL
 * missing its scheme (`mainnet.infura.io/v3/<key>` → `mainnet.infura.io/***`); other text gets every
 * URL in it redacted and any run of 16+ key-like characters masked.
 *
 * @example
 * redactUrl('https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef')
 * // 'https://mainnet.infura.io/***'
 * redactUrl('wss://user:pass@node.example:8546/ws?x-api-key=k') // 'wss://node.example:8546/***'
 */
export function redactUrl(url: string): string {
  const parsed = parseUrl(url)
  if (parsed === undefined) return redactUnparsed(url)
  return hasPartsAfterOrigin(parsed) ? `${originOf(parsed)}/***` : url
}

/**
 * The form in which a provider URL is shown: its origin alone (scheme, host, port), e.g.
 * `https://mainnet.infura.io`. Computed once when a provider is configured.
 */
export function urlOrigin(url: string): string {
  const parsed = parseUrl(url)
  if (parsed === undefined) return redactUnparsed(url).replace(/\/\*\*\*$/, '')
  return originOf(parsed)
}

/**
 * Every string to mask, wherever it appears, so that no part of a provider URL after its origin is
 * shown even when it turns up without its URL (an upstream echoing "invalid project id <key>").
 *
 * Which parts: the user name and password (and `user:password`), each path segment, each query value
 * (a query name too when it has no value), the fragment's pieces, and the whole path + query +
 * fragment, query and fragment strings. A single part is left out when it is shorter than 6 characters,
 * only digits (chain ids, ports), an API version (`v3`) or a well-known word (`rpc`, `ws`, `mainnet`,
 * `ethereum`, …): masking those everywhere would garble unrelated text, and they identify no account.
 * Such short parts are still hidden inside their URL, and within the whole path string (`/v3/abc12`),
 * which is masked as soon as one of its parts is not well known. Each string comes raw,
 * percent-decoded, percent-encoded and JSON-escaped; longest first, so a secret containing another is
 * masked whole.
 *
 * @example
 * urlSecrets('https://mainnet.infura.io/v3/SECRETKEY123abc')
 * // ['/v3/SECRETKEY123abc', 'SECRETKEY123abc']
 */
export function urlSecrets(url: string): string[] {
  const parsed = parseUrl(url)
  if (parsed === undefined || !hasPartsAfterOrigin(parsed)) return []
  const { username, password, pathname, search, hash } = parsed
  // Whole strings, masked when any of their parts is not well known.
  const wholes: { text: string; parts: string[] }[] = []
  // Single parts, masked on their own unless they are well known.
  const parts: string[] = []

  const userInfo = [username, password].filter((part) => part !== '')
  if (userInfo.length > 0) {
    parts.push(...userInfo)
    wholes.push({ text: userInfo.join(':'), parts: userInfo })
  }
  const segments = pathname.split('/').filter((segment) => segment !== '')
  parts.push(...segments)
  const query = pairs(search.slice(1))
  parts.push(...query)
  const fragment = pairs(hash.slice(1))
  parts.push(...fragment)
  const rest = `${pathname === '/' ? '' : pathname}${search}${hash}`
  wholes.push(
    { text: rest, parts: [...segments, ...query, ...fragment] },
    { text: pathname, parts: segments },
    { text: search.slice(1), parts: query },
    { text: hash.slice(1), parts: fragment },
  )

  const found = new Set<string>()
  const add = (text: string, encoded: boolean) => {
    for (const variant of variants(text, encoded)) if (variant.length >= MIN_SECRET_LENGTH) found.add(variant)
  }
  // A whole string appears percent-encoded only when a part of it was, and that part is listed anyway.
  for (const whole of wholes) if (whole.parts.some((part) => !wellKnown(part))) add(whole.text, false)
  for (const part of parts) if (!wellKnown(part)) add(part, true)
  for (const secret of found) if (wellKnown(secret)) found.delete(secret)
  return [...found].sort((a, b) => b.length - a.length)
}

/**
 * Replaces every URL found in `text` by its {@link redactUrl} form. Internal: the transports' scrubber
 * and `redactUrl` itself use it on text an upstream or a runtime wrote.
 */
export function redactUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url))
}

function parseUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url)
    // An opaque URL (`mailto:...`) has no origin to keep.
    return parsed.host === '' ? undefined : parsed
  } catch {
    return undefined
  }
}

function hasPartsAfterOrigin(parsed: URL): boolean {
  return (
    parsed.username !== '' ||
    parsed.password !== '' ||
    (parsed.pathname !== '/' && parsed.pathname !== '') ||
    parsed.search !== '' ||
    parsed.hash !== ''
  )
}

// `URL.origin` is "null" for schemes it does not know (ftp, custom): build it from protocol and host.
function originOf(parsed: URL): string {
  return `${parsed.protocol}//${parsed.host}`
}

function redactUnparsed(text: string): string {
  const shape = URL_LIKE.exec(text)
  if (shape !== null) {
    const [, scheme = '', authority = '', rest = ''] = shape
    const at = authority.lastIndexOf('@')
    if (rest !== '' || at !== -1) return `${scheme}${authority.slice(at + 1)}/***`
    return text.replace(KEY_LIKE_RUN, '***')
  }
  return redactUrlsInText(text).replace(KEY_LIKE_RUN, '***')
}

/** Names without a value, and values, of a `a=1&b` string; names with a value are labels, not secrets. */
function pairs(text: string): string[] {
  if (text === '') return []
  return text.split('&').flatMap((pair) => {
    const equals = pair.indexOf('=')
    if (equals === -1) return pair === '' ? [] : [pair]
    const value = pair.slice(equals + 1)
    return value === '' ? [pair.slice(0, equals)].filter((name) => name !== '') : [value]
  })
}

function wellKnown(part: string): boolean {
  return (
    part.length === 0 || DIGITS.test(part) || VERSION.test(part) || WELL_KNOWN_PARTS.has(part.toLowerCase())
  )
}

/** The forms a part can take in text: as written in the URL, decoded, re-encoded, inside a JSON string. */
function variants(text: string, encoded: boolean): string[] {
  const forms = new Set([text])
  for (const decode of [decodeURIComponent, (s: string) => decodeURIComponent(s.replaceAll('+', ' '))]) {
    try {
      forms.add(decode(text))
    } catch {
      // A malformed escape: the raw form is already in the set.
    }
  }
  const out = new Set<string>()
  for (const form of forms) {
    if (encoded) out.add(encodeURIComponent(form))
    // Log lines and bodies are JSON: a form with quotes, backslashes or control characters appears there
    // escaped, and masking it raw could cut through the JSON's own syntax.
    const escaped = JSON.stringify(form).slice(1, -1)
    out.add(escaped)
    if (escaped === form) out.add(form)
  }
  return [...out].filter((form) => form !== '')
}
