/**
 * The JSON-RPC methods real Ethereum providers serve: one shared vocabulary for everything that must
 * tell a real method from a made-up one without trusting client input (the server's metric labels, for
 * one). A fixed list rather than "the first N names seen", so no amount of junk traffic can push a real
 * method out.
 *
 * Sources of truth, and why each part is here:
 * - ethereum/execution-apis (the execution API spec, `src/eth/*.yaml`, `src/debug/*.yaml`,
 *   `src/txpool/*.yaml`, commit 033ca6e6): every non-`engine_` method. `engine_*` is the consensus
 *   client's authenticated port, never a provider's public endpoint.
 * - ethereum.org's JSON-RPC reference: the legacy methods still served (`web3_*`, `net_*`,
 *   `eth_protocolVersion`, uncles, PoW mining), and `eth_subscribe`/`eth_unsubscribe` (geth's pub/sub).
 * - Geth's `debug_*` tracing namespace and the Parity/OpenEthereum `trace_*` namespace (Erigon, Nethermind,
 *   reth), as Infura, Alchemy, QuickNode and Chainstack serve them; Erigon's `eth_callMany`, geth's
 *   `eth_getHeaderBy*`, and `eth_sendRawTransactionConditional` (served on Polygon and Arbitrum).
 * - The L2s ChainPulse's devnet models: Polygon PoS `bor_*` and Arbitrum's pre-Nitro `arbtrace_*`, as
 *   listed by Alchemy, Infura (MetaMask services) and QuickNode.
 *
 * Node administration and key management (`admin_*`, `personal_*`, `miner_*`) are not here: no public
 * provider serves them. Other chains' namespaces (`zks_*`, `optimism_*`, ...) are left to configuration
 * (the server's `metrics.methods`), so this list stays what most deployments really see.
 *
 * @example
 * const label = isKnownMethod(method) ? method : 'other'
 */
export const KNOWN_METHODS: readonly string[] = Object.freeze([
  // eth: state and execution
  'eth_accounts',
  'eth_baseFee',
  'eth_blobBaseFee',
  'eth_blockNumber',
  'eth_call',
  'eth_callMany',
  'eth_capabilities',
  'eth_chainId',
  'eth_coinbase',
  'eth_config',
  'eth_createAccessList',
  'eth_estimateGas',
  'eth_feeHistory',
  'eth_fillTransaction',
  'eth_gasPrice',
  'eth_getBalance',
  'eth_getBlockAccessList',
  'eth_getBlockByHash',
  'eth_getBlockByNumber',
  'eth_getBlockReceipts',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getCode',
  'eth_getHeaderByHash',
  'eth_getHeaderByNumber',
  'eth_getLogs',
  'eth_getProof',
  'eth_getStorageAt',
  'eth_getStorageValues',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getTransactionByHash',
  'eth_getTransactionCount',
  'eth_getTransactionReceipt',
  'eth_getUncleByBlockHashAndIndex',
  'eth_getUncleByBlockNumberAndIndex',
  'eth_getUncleCountByBlockHash',
  'eth_getUncleCountByBlockNumber',
  'eth_hashrate',
  'eth_maxPriorityFeePerGas',
  'eth_mining',
  'eth_protocolVersion',
  'eth_sendRawTransaction',
  'eth_sendRawTransactionConditional',
  'eth_sendTransaction',
  'eth_sign',
  'eth_signTransaction',
  'eth_simulateV1',
  'eth_syncing',
  // eth: filters and subscriptions
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_newBlockFilter',
  'eth_newFilter',
  'eth_newPendingTransactionFilter',
  'eth_subscribe',
  'eth_uninstallFilter',
  'eth_unsubscribe',
  // net, web3
  'net_listening',
  'net_peerCount',
  'net_version',
  'web3_clientVersion',
  'web3_sha3',
  // txpool
  'txpool_content',
  'txpool_contentFrom',
  'txpool_inspect',
  'txpool_status',
  // debug (geth)
  'debug_getBadBlocks',
  'debug_getRawBlock',
  'debug_getRawBlockAccessList',
  'debug_getRawHeader',
  'debug_getRawReceipts',
  'debug_getRawTransaction',
  'debug_storageRangeAt',
  'debug_traceBlock',
  'debug_traceBlockByHash',
  'debug_traceBlockByNumber',
  'debug_traceCall',
  'debug_traceCallMany',
  'debug_traceTransaction',
  // trace (Parity/OpenEthereum, Erigon, Nethermind, reth)
  'trace_block',
  'trace_call',
  'trace_callMany',
  'trace_filter',
  'trace_get',
  'trace_rawTransaction',
  'trace_replayBlockTransactions',
  'trace_replayTransaction',
  'trace_transaction',
  // Polygon PoS (bor)
  'bor_getAuthor',
  'bor_getCurrentProposer',
  'bor_getCurrentValidators',
  'bor_getRootHash',
  'bor_getSignersAtHash',
  // Arbitrum (pre-Nitro traces)
  'arbtrace_block',
  'arbtrace_call',
  'arbtrace_callMany',
  'arbtrace_filter',
  'arbtrace_get',
  'arbtrace_replayBlockTransactions',
  'arbtrace_replayTransaction',
  'arbtrace_transaction',
])

const known: ReadonlySet<string> = new Set(KNOWN_METHODS)

/**
 * Whether `name` is one of {@link KNOWN_METHODS} (exact, case-sensitive: providers match method names
 * exactly, so `ETH_CALL` is not `eth_call`).
 *
 * @example
 * isKnownMethod('eth_gasPrice') // true
 * isKnownMethod('eth_nope') // false
 */
export function isKnownMethod(name: string): boolean {
  return known.has(name)
}
