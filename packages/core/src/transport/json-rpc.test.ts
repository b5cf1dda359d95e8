import { describe, expect, it } from 'vitest'
import { classifyRpcError, isJsonRpcResponse, type RpcErrorClass } from './json-rpc.js'

// Error objects in the shapes real nodes and providers send (geth, anvil, Infura, Alchemy, QuickNode,
// BlockPI, Erigon, zkSync); dynamic parts shortened.
const cases: ReadonlyArray<[source: string, code: number, message: string, expected: RpcErrorClass]> = [
  // Deterministic answers: any provider would say the same.
  ['geth/anvil revert with code 3', 3, 'execution reverted: Ownable: caller is not the owner', 'execution'],
  ['bare revert with code 3', 3, 'execution reverted', 'execution'],
  ['older nodes: revert as -32000', -32000, 'execution reverted', 'execution'],
  ['Hedera-style revert code', -32008, 'execution reverted: CONTRACT_REVERT_EXECUTED', 'execution'],
  ['geth invalid params', -32602, 'invalid argument 0: hex string without 0x prefix', 'execution'],
  ['invalid request', -32600, 'invalid request', 'execution'],
  ['parse error', -32700, 'parse error', 'execution'],
  ['geth nonce too low', -32000, 'nonce too low: next nonce 13337, tx nonce 13321', 'execution'],
  ['geth already known', -32000, 'already known', 'execution'],
  ['geth underpriced replacement', -32000, 'replacement transaction underpriced', 'execution'],
  [
    'geth insufficient funds',
    -32000,
    'insufficient funds for gas * price + value: have 1 want 2',
    'execution',
  ],
  ['anvil insufficient funds', -32003, 'Insufficient funds for gas * price + value', 'execution'],
  ['geth gas estimation', -32000, 'gas required exceeds allowance (30000000)', 'execution'],
  ['reth block gas limit', -32000, 'exceeds block gas limit', 'execution'],
  [
    'reth fee cap',
    -32000,
    'tx fee (2287286506567664000000 wei) exceeds the configured cap (1 wei)',
    'execution',
  ],
  ['reth in-flight limit', -32000, 'in-flight transaction limit reached for delegated accounts', 'execution'],
  ['unknown code and message', -32099, 'something odd', 'execution'],
  // Throttling.
  ['Infura daily limit', -32005, 'daily request count exceeded, request rate limited', 'rate-limit'],
  ['Infura project rate', -32005, 'project ID request rate exceeded', 'rate-limit'],
  [
    'Alchemy CUPS (code 429 in the body)',
    429,
    'Your app has exceeded its compute units per second capacity. If you have retries enabled, you can safely ignore this message.',
    'rate-limit',
  ],
  [
    'Alchemy monthly capacity as -32600',
    -32600,
    'Monthly capacity limit exceeded. Visit https://dashboard.alchemy.com/settings/billing to upgrade.',
    'rate-limit',
  ],
  [
    'QuickNode per-second cap',
    -32007,
    '[abc] 100/second request limit reached - reduce calls per second',
    'rate-limit',
  ],
  ['generic too many requests', -32000, 'Too Many Requests', 'rate-limit'],
  ['bare EIP-1474 limit exceeded', -32005, 'limit exceeded', 'rate-limit'],
  // Provider-specific request size limits: another provider may accept the same request.
  ['Infura result cap', -32005, 'query returned more than 10000 results', 'request-limit'],
  ['Infura range cap', -32602, 'range 1000000 exceeds limit of 10000', 'request-limit'],
  [
    'Alchemy log size',
    -32602,
    'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size.',
    'request-limit',
  ],
  ['BlockPI range', -32602, 'eth_getLogs is limited to 1024 block range.', 'request-limit'],
  ['max block range', -32602, 'query exceeds max block range 100000', 'request-limit'],
  [
    'range too large as internal error',
    -32603,
    'eth_getLogs range is too large, max is 1k blocks',
    'request-limit',
  ],
  ['free tier range', 35, 'ranges over 10000 blocks are not supported on freetier', 'request-limit'],
  ['Erigon result cap', -32000, 'query returns too many logs, narrow your filter', 'request-limit'],
  [
    'zkSync result cap',
    -32602,
    'Query returned more than 10000 results. Try with this block range [0x1, 0x2].',
    'request-limit',
  ],
  ['batch size', -32600, 'batch size too large', 'request-limit'],
  // Method not served by this provider.
  ['geth unknown method', -32601, 'the method eth_foo does not exist/is not available', 'method-unsupported'],
  [
    'Infura unknown method',
    -32601,
    'The method txpool_content does not exist/is not available',
    'method-unsupported',
  ],
  [
    'Alchemy unsupported method as -32600',
    -32600,
    'Unsupported method: trace_block. See available methods.',
    'method-unsupported',
  ],
  ['EIP-1474 method not supported', -32004, 'method not supported', 'method-unsupported'],
  ['plan-gated method', -32600, 'eth_getProof is not available on the Free tier', 'method-unsupported'],
  // The node does not have the block (yet): another whose head reached it can answer.
  ['geth lagging node', -32000, 'header not found', 'unknown-block'],
  ['unknown block', -39001, 'Unknown block', 'unknown-block'],
  ['erigon block ahead', -32000, 'block not found: 0x1234', 'unknown-block'],
  ['avalanche future block', -32000, 'requested block is after last accepted block', 'unknown-block'],
  // The node no longer has the state: an archive node can answer.
  ['geth pruned state', -32000, 'missing trie node 0ab1c2d3 (path )', 'missing-state'],
  ['geth history gone', -32000, 'historical state not available in path scheme yet', 'missing-state'],
  ['nethermind pruned', -32002, 'state is pruned', 'missing-state'],
  // The node's own trouble: retriable elsewhere.
  ['geth evm timeout', -32000, 'execution aborted (timeout = 5s)', 'upstream'],
  ['internal error', -32603, 'Internal error', 'upstream'],
  ['resource unavailable', -32002, 'resource unavailable', 'upstream'],
  ['request timeout', -32000, 'request timed out', 'upstream'],
  ['Besu still syncing', -32008, 'Initial sync is still in progress', 'upstream'],
  // A refused key or origin is the provider's configuration, not the request's fault.
  ['NodeReal refused key', -32000, 'Unauthorized', 'upstream'],
  ['Chainnodes refused key', 401, 'invalid api key', 'upstream'],
  ['Alchemy disabled app', -32000, 'App is inactive', 'upstream'],
  // More "cannot serve" wordings: a block past this node's head, state it does not keep, a size cap.
  ['geth log range past its head', -32602, 'block range extends beyond current head block', 'unknown-block'],
  ['geth range from above its head', -32602, 'invalid block range params', 'unknown-block'],
  [
    'geth fee history past its head',
    -32000,
    'request beyond head block: requested 106, head 105',
    'unknown-block',
  ],
  ['geth block hash it has not seen', -32000, 'header for hash not found', 'unknown-block'],
  [
    'anvil block above its head',
    -32602,
    'BlockOutOfRangeError: block height is 105 but requested was 106',
    'unknown-block',
  ],
  ['Nethermind no state', -32002, 'No state available for block 0xe7b1e5b5', 'missing-state'],
  ['Besu no world state', -32000, 'World state unavailable', 'missing-state'],
  ['geth still indexing transactions', -32000, 'transaction indexing is in progress', 'missing-state'],
  ['Ankr range cap', -32000, 'maximum [from, to] blocks distance: 10000', 'request-limit'],
  [
    'dRPC free-tier batch cap',
    31,
    'Batch of more than 3 requests are not allowed on free tier, to use this feature register paid account at drpc.org',
    'request-limit',
  ],
  // Besu reuses EIP-1474's -32004 ("method not supported") and -32005 ("limit exceeded") for
  // transactions: those are the request's, and must neither mark the method unserved nor cool down.
  ['Besu unaffordable transaction as -32004', -32004, 'Upfront cost exceeds account balance', 'execution'],
  ['Besu gas limit as -32005', -32005, 'Transaction gas limit exceeds block gas limit', 'execution'],
]

// Text the request's sender chooses (a revert reason, a method name echoed back) must not make an
// error read as the provider's throttle or as "method not served": either would change the provider's
// state for every client.
const senderChosen: ReadonlyArray<[source: string, code: number, message: string, expected: RpcErrorClass]> =
  [
    ['revert reason that reads like a throttle', 3, 'execution reverted: rate limit exceeded', 'execution'],
    ['revert reason that reads like a size cap', 3, 'execution reverted: max results reached', 'execution'],
    [
      'revert reason that reads like an unknown method',
      3,
      'execution reverted: method not allowed',
      'execution',
    ],
    [
      'geth echoing a made-up method named like a throttle',
      -32601,
      'the method eth_ratelimit does not exist/is not available',
      'method-unsupported',
    ],
    [
      'Alchemy echoing a made-up method named like a quota',
      -32600,
      'Unsupported method: eth_quota. See available methods at https://docs.alchemy.com/alchemy/documentation/apis',
      'method-unsupported',
    ],
    [
      'a made-up method named like a block range',
      -32601,
      'the method block range does not exist/is not available',
      'method-unsupported',
    ],
  ]

describe('classifyRpcError', () => {
  it.each(cases)('%s (%i) → %s', (_source, code, message, expected) => {
    expect(classifyRpcError({ code, message })).toBe(expected)
  })

  it.each(senderChosen)('%s (%i) → %s', (_source, code, message, expected) => {
    expect(classifyRpcError({ code, message })).toBe(expected)
  })

  it('treats a non-string message as unknown instead of throwing', () => {
    expect(classifyRpcError({ code: -32603, message: undefined as unknown as string })).toBe('upstream')
    expect(classifyRpcError({ code: -32000, message: 42 as unknown as string })).toBe('execution')
  })
})

describe('isJsonRpcResponse', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, result: '0x1' }, true],
    [{ jsonrpc: '2.0', id: 'a', result: null }, true],
    [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }, true],
    [{ jsonrpc: '2.0', id: 1 }, false],
    [{ jsonrpc: '2.0', id: 1, result: 1, error: { code: 1, message: 'x' } }, false],
    [{ jsonrpc: '1.0', id: 1, result: 1 }, false],
    [{ jsonrpc: '2.0', id: {}, result: 1 }, false],
    [{ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } }, false],
    [{ jsonrpc: '2.0', id: 1, error: 'boom' }, false],
    [[{ jsonrpc: '2.0', id: 1, result: 1 }], false],
    [null, false],
    ['{"jsonrpc":"2.0"}', false],
  ])('%j → %s', (value, expected) => {
    expect(isJsonRpcResponse(value)).toBe(expected)
  })
})
