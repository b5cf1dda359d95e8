import { DEFAULT_FAILURE_THRESHOLD } from '../circuit-breaker/circuit-breaker.js'
import { type JsonSchema, toJSONSchema } from '../validation/json-schema.js'
import { DEFAULT_HEALTH_CHECK_TIMEOUT_MS, providerPoolConfigSchema } from './options.js'

// What each field of a pool's config does, for readers of a config file (docs/configuration.md). Kept
// out of the schema so a browser bundle of the pool does not carry it. A default that depends on another
// field is stated here too, with the constant the pool applies.
const fields: Record<string, string | { description: string; default: unknown }> = {
  chains: 'The chains to serve; at least one.',
  'chains[].name': 'How requests, routes and the dashboard name the chain (`/rpc/<name>`).',
  'chains[].chainId': 'The chain id (1 for Ethereum mainnet).',
  'chains[].blockTimeMs':
    'Expected time between blocks, in milliseconds: the longest a call naming the block after the best head waits for it to be mined.',
  providers: 'The upstream providers, each serving one chain.',
  'providers[].id': 'Unique across all chains; shown in headers, metrics and the dashboard.',
  'providers[].chain': 'The `name` of the chain it serves.',
  'providers[].httpUrl':
    'JSON-RPC over HTTP: an `http://` or `https://` URL. Keep API keys in environment variables.',
  'providers[].wsUrl':
    'JSON-RPC over WebSocket (`ws://` or `wss://`), for racing and subscriptions. A provider needs `httpUrl`, `wsUrl` or both.',
  'providers[].priority': 'Lower goes first with the `priority` strategy; breaks ties in every strategy.',
  'providers[].costPerMethod':
    'Cost of one call per method (any unit, e.g. compute units), for the `cheapest` and `hybrid` strategies.',
  'providers[].defaultCost': 'Cost of a method missing from `costPerMethod`.',
  'providers[].rateLimitPerSecond':
    'Most requests per second the pool sends to the provider; beyond it the provider is skipped.',
  'providers[].maxLogsBlockRange':
    'Widest `eth_getLogs` block range the provider serves, in blocks (`toBlock - fromBlock + 1`): a wider query is split into chunks that fit. When not set, the limit is learned from its refusals (see [provider-pool.md](provider-pool.md#eth_getlogs-over-any-range)).',
  'providers[].stateHistoryBlocks':
    'How many of its newest blocks\' state the provider keeps (a pruning node; geth\'s full node keeps 128): state reads (`eth_getBalance`, `eth_call`, …) at older blocks go to other providers first. When not set, learned from its "missing state" answers; leave it out for an archive node (see [provider-pool.md](provider-pool.md#history-aware-routing)).',
  strategy: 'Routing strategy of requests that name none (see [strategies.md](strategies.md)).',
  strategies: 'Per-chain default strategy, by chain name; overrides `strategy`.',
  requestTimeoutMs:
    "Timeout of each attempt, in milliseconds; an attempt never runs past the request's deadline either.",
  requestDeadlineMs:
    "The whole request's deadline, in milliseconds: attempts, failovers, hedges and waits for a throttle's end all happen within it.",
  healthCheck:
    'Background health probes of every provider, from start (`eth_chainId`, then `eth_blockNumber`): an ' +
    'unreachable provider is `down` within one interval, a revived one is back within one interval, and the ' +
    "probes are the breakers' half-open trials. `false` turns them off: then only providers without a " +
    '`newHeads` stream are polled for their head, and a half-open breaker lets one client request through ' +
    'as its trial.',
  'healthCheck.intervalMs': 'Time between probe rounds, in milliseconds.',
  'healthCheck.timeoutMs': {
    description: `Longest a probe waits for its answer, in milliseconds; by default ${DEFAULT_HEALTH_CHECK_TIMEOUT_MS}, or \`requestTimeoutMs\` when that is shorter.`,
    default: DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  },
  filters:
    'Filters (`eth_newFilter`, `eth_newBlockFilter`, …), answered by ChainPulse from its canonical follower so their ids survive failover: their limits.',
  'filters.idleTimeoutMs': 'A filter not polled for this long is removed, in milliseconds.',
  'filters.maxPerClient': 'Filters one client may hold at once, per chain.',
  'filters.maxTotal': 'Filters a chain holds at once, every client together.',
  'filters.maxPendingChanges':
    'Changes (logs or block hashes) one filter may pile up between two polls; past it the filter is removed and its next poll says so.',
  sessions:
    'Session affinity: calls with the same session key (the `x-chainpulse-session` header, scoped per client; every ' +
    'call of one WebSocket connection) go to one provider while it is usable, and move to the provider that answers when it is not; ' +
    'each move is a `routing:decisions` event with `sessionMoved: true` (see [filters-and-sessions.md](filters-and-sessions.md#sessions)).',
  'sessions.idleTtlMs': 'A session with no call for this long is forgotten, in milliseconds.',
  'sessions.maxSessions':
    'Sessions held at once, every chain and client together; past it the least recently used one is forgotten.',
  'sessions.maxPerClient':
    "Sessions one client holds at once, every chain together; past it that client's least recently used one is forgotten, so no client can push another's sessions out.",
  'sessions.transactionFlow':
    "Without a session key, a client's calls of these methods share one session, so a sender's nonce → estimate → " +
    'send → receipt sequence stays on one node (the client is the API key, or the address without keys). `false` turns it off.',
  'sessions.transactionFlow.idleTtlMs':
    'The implicit session is forgotten after this long without a call of its methods, in milliseconds.',
  'sessions.transactionFlow.methods': 'The methods that share the implicit session.',
  unsupportedMethodTtlMs:
    'How long a provider\'s "method not found" is remembered, in milliseconds, so it is not asked again meanwhile.',
  hedge:
    'Hedged reads: a read still unanswered after the delay also goes to the next provider, and the first ' +
    "answer wins. The delay is `delayMs`, or the provider's recent p95 for the method kept between its median " +
    'over its last 8 calls and three times that median (so a stall-heavy tail cannot push it into the stalls), ' +
    'then between `minDelayMs` and `maxDelayMs`. Only pure reads are hedged (`eth_get…`, `eth_call`, …), never writes. ' +
    '`false` turns it off.',
  'hedge.delayMs':
    "A fixed delay, in milliseconds, instead of the adaptive one (from the provider's recent figures).",
  'hedge.minDelayMs': 'Lower bound of the adaptive delay, in milliseconds.',
  'hedge.maxDelayMs':
    'Upper bound of the adaptive delay, in milliseconds: a provider whose recent calls were slow or hung is still hedged this soon.',
  'hedge.maxHedges': 'Extra copies of one read at most, each to another provider.',
  maxLagBlocks:
    'A provider this many blocks behind the best head is not used for calls that need the tip (`latest`).',
  defaultCooldownMs:
    'Cooldown of a provider after a throttle (HTTP 429 or a rate-limit error) without `Retry-After`, in milliseconds.',
  breaker: "Each provider's circuit breaker (see [circuit-breaker.md](circuit-breaker.md)).",
  'breaker.failureThreshold': {
    description: 'Consecutive failures that open the breaker.',
    default: DEFAULT_FAILURE_THRESHOLD,
  },
  'breaker.halfOpenAfterMs':
    'Time an open breaker waits before a trial, in milliseconds: a background probe (or, with `healthCheck: false`, one client request). A breaker that opened while its provider was down closes on the first probe that finds it back.',
  'breaker.halfOpenMaxProbes': 'Trial calls let through at once while half-open.',
  'breaker.successThreshold': 'Successful trial calls that close the breaker again.',
  coalescing:
    'Identical reads in flight at the same time (same chain, method, params and routing) share one upstream call; only side-effect-free read methods.',
  racing:
    "Keep every WebSocket provider's `newHeads` subscribed, to race them, rather than only while someone subscribes.",
  headPollIntervalMs:
    'How often subscriptions check that blocks still arrive while every stream is quiet (every block ' +
    'time instead, when shorter, while no stream is connected), and (with ' +
    '`healthCheck: false`) how often providers without a live `newHeads` stream are polled for their head, ' +
    'in milliseconds.',
}

/**
 * The JSON Schema of a pool's configuration as data (what {@link parseProviderPoolConfig} accepts, a
 * config file's `pool` section), each field with its description and default: the defaults the pool
 * applies, read from its schema. For generating documentation (docs/configuration.md); refinements that
 * only code can check (URLs, unknown chains, duplicates) are in the descriptions, not the schema.
 *
 * @example
 * const schema = providerPoolConfigJsonSchema()
 * schema.properties?.requestTimeoutMs // { type: 'number', exclusiveMinimum: 0, default: 10000, description: '...' }
 */
export function providerPoolConfigJsonSchema(): JsonSchema {
  const root = toJSONSchema(providerPoolConfigSchema)
  const undocumented: string[] = []
  const unused = new Set(Object.keys(fields))
  describe(root, '', undocumented, unused)
  // A field added without a description, or a description left behind by a removed field.
  if (undocumented.length || unused.size)
    throw new Error(
      `pool config descriptions out of date: ${[...undocumented.map((path) => `${path} has none`), ...[...unused].map((path) => `${path} is no field`)].join('; ')}`,
    )
  return root
}

function describe(node: JsonSchema, path: string, undocumented: string[], unused: Set<string>): void {
  const object = objectOf(node)
  for (const [key, field] of Object.entries(object?.properties ?? {})) {
    const fieldPath = path ? `${path}.${key}` : key
    const entry = fields[fieldPath]
    unused.delete(fieldPath)
    if (entry === undefined) undocumented.push(fieldPath)
    else if (typeof entry === 'string') field.description = entry
    else Object.assign(field, entry)
    describe(field, field.type === 'array' ? `${fieldPath}[]` : fieldPath, undocumented, unused)
  }
}

/** The object schema a field holds: itself, its list items, or its object branch (`false | {...}`). */
function objectOf(node: JsonSchema): JsonSchema | undefined {
  if (node.properties) return node
  if (node.items) return objectOf(node.items)
  return node.anyOf?.map(objectOf).find(Boolean)
}
