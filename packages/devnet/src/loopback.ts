/**
 * The only address the devnet ever binds or contacts. Everything it starts listens here, so nothing is
 * reachable from outside the machine and no test traffic can leave it.
 */
export const LOOPBACK_HOST = '127.0.0.1'

/**
 * Whether a URL points at a loopback address (127.0.0.0/8, `localhost` or `[::1]`).
 *
 * @example
 * isLoopbackUrl('http://127.0.0.1:8545') // true
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return false
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Builds `http://127.0.0.1:<port>` (or another scheme) for a port the devnet listens on. */
export function loopbackUrl(scheme: 'http' | 'ws', port: number): string {
  return `${scheme}://${LOOPBACK_HOST}:${port}`
}
