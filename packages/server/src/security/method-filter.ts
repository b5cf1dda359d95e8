/** Allow and deny lists of JSON-RPC methods. */
export interface MethodFilterOptions {
  /** When given, only methods matching one of these patterns are served. */
  allow?: readonly string[] | undefined
  /** Methods matching one of these patterns are never served; deny wins over allow. */
  deny?: readonly string[] | undefined
}

/** True when `method` may be sent upstream. */
export type MethodFilter = (method: string) => boolean

/**
 * Compiles allow/deny lists into a predicate. A pattern is an exact method name, a prefix ending in `*`
 * (`debug_*`), or `*` for everything. Matching is case-sensitive, as Ethereum method names are.
 *
 * @example
 * const allowed = createMethodFilter({ deny: ['debug_*', 'eth_sendTransaction'] })
 * allowed('eth_call') // true
 * allowed('debug_traceTransaction') // false
 */
export function createMethodFilter(options: MethodFilterOptions): MethodFilter {
  const allow = options.allow === undefined ? undefined : compile(options.allow)
  const deny = compile(options.deny ?? [])
  return (method) => !deny(method) && (allow === undefined || allow(method))
}

function compile(patterns: readonly string[]): MethodFilter {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1))
    else exact.add(pattern)
  }
  return (method) => exact.has(method) || prefixes.some((prefix) => method.startsWith(prefix))
}
