/** Reads outside the `eth_get…` family whose answers are as free of side effects. */
const OTHER_READS: ReadonlySet<string> = new Set([
  'eth_blockNumber',
  'eth_call',
  'eth_chainId',
  'eth_estimateGas',
  'eth_feeHistory',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_syncing',
  'net_version',
  'web3_clientVersion',
])

/**
 * Whether `method` is a read known to be free of side effects and to give every caller asking at the
 * same moment the same answer (`eth_get…` and a few more): such a call may be shared by identical
 * callers (coalescing) and sent to a second provider while the first is slow (hedging). Never: writes,
 * filter polls (each poll consumes its changes), subscriptions, and any method not listed, which might
 * have side effects (`anvil_mine`, `personal_sign`, …).
 */
export function isPureRead(method: string): boolean {
  if (method.startsWith('eth_get')) return !method.startsWith('eth_getFilter')
  return OTHER_READS.has(method)
}
