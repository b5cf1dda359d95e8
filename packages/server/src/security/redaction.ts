import { redactUrl } from '@chainpulse/core'

/** Replaces secrets in a piece of text (a log line, an error message) with `***`. */
export type Redactor = (text: string) => string

const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>\\]+/gi
const KEY_PATH_SEGMENT = /(\/rpc\/key\/)[^/?#\s"]+/g
// Shorter "secrets" would be replaced inside unrelated words.
const MIN_SECRET_LENGTH = 6

/**
 * Builds a redactor that masks every URL's credentials (as core's `redactUrl` does), the key segment of
 * `/rpc/key/<key>/...` paths, and each listed secret wherever it appears. It is the last line of defence
 * for log lines and error bodies; errors are built without secrets in the first place.
 *
 * @example
 * const redact = createRedactor({ secrets: [process.env.INFURA_KEY!] })
 * redact('fetch https://mainnet.infura.io/v3/0123456789abcdef0123 failed') // '... /v3/*** failed'
 */
export function createRedactor(options: { secrets?: readonly string[] } = {}): Redactor {
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret containing another is masked whole.
    .sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url)).replace(KEY_PATH_SEGMENT, '$1***')
    for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, '***')
    return out
  }
}

/**
 * The parts of a provider URL that `redactUrl` masks (user info, key-like path segments, secret query
 * values), so they can be given to {@link createRedactor} and masked even where they appear without
 * their URL, e.g. echoed in an upstream's error message.
 *
 * @example
 * urlSecrets('https://eth-mainnet.g.alchemy.com/v2/abcdefghijklmnop1234') // ['abcdefghijklmnop1234']
 */
export function urlSecrets(url: string): string[] {
  const tokens = (text: string) => text.split(/[/:@?&=#]+/).filter((token) => token.length > 0)
  const kept = new Set(tokens(redactUrl(url)))
  return tokens(url).filter((token) => !kept.has(token) && token !== '***')
}
