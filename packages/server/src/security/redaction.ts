import { redactUrl } from '@chainpulse/core'

/** Replaces secrets in a piece of text (a log line, an error message) with `***`. */
export type Redactor = (text: string) => string

// As core's: a trailing `.`, `,`, `)` and the like belongs to the sentence, not the URL.
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>\\]*[^\s"'<>\\.,;:!?)\]}]/gi
const KEY_PATH_SEGMENT = /(\/rpc\/key\/)[^/?#\s"]+/g
// Shorter "secrets" would be replaced inside unrelated words.
const MIN_SECRET_LENGTH = 6

/**
 * Builds a redactor that cuts every URL in a text to its origin (`https://mainnet.infura.io/***`, as
 * core's `redactUrl` does), masks the key segment of `/rpc/key/<key>/...` paths, and masks each listed
 * secret (6+ characters) wherever it appears. It is the last line of defence for log lines, error
 * bodies, API responses, stream messages and metrics; what the pool hands out carries no URL secrets in
 * the first place (provider URLs are shown as their origins, upstream errors are scrubbed in core).
 *
 * @example
 * const redact = createRedactor({ secrets: [process.env.INFURA_KEY!] })
 * redact('fetch https://mainnet.infura.io/v3/0123456789abcdef0123 failed') // 'fetch https://mainnet.infura.io/*** failed'
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

// Every string to mask for a provider URL (each part after its origin that could be a key, in every
// form it can take in text), for `createRedactor`. The rule is core's: see docs/transports.md.
export { urlSecrets } from '@chainpulse/core'
