import type { DemoProviderPreset } from './personality.js'

/** Reachability of a simulated provider: `down` refuses connections, `hang` accepts and never answers. */
export type DemoProviderMode = 'up' | 'down' | 'hang'

/** Relative weights of a simulated provider's injected error kinds (see docs/devnet.md#injected-errors). */
export interface DemoErrorMix {
  /** HTTP 503. */
  serverError: number
  /** HTTP 429 with Retry-After. */
  rateLimit: number
  /** A JSON-RPC internal error. */
  rpcError: number
  /** A truncated body. */
  malformed: number
}

/**
 * Every knob of a simulated provider: the devnet's `Personality`, declared here because the server loads
 * the devnet only in demo mode (`demo-controls.check.ts` fails the typecheck when the two drift). What
 * each knob does is in docs/devnet.md#personalities.
 */
export interface DemoPersonality {
  /** Median added latency (ms). */
  latencyMs: number
  /** Standard deviation of the added latency (ms). */
  jitterMs: number
  /** Probability (0–1) of an injected error (5xx, 429, JSON-RPC error, malformed body). */
  errorRate: number
  /** Relative weights of the injected error kinds. */
  errorMix: DemoErrorMix
  /** `Retry-After` seconds of injected 429s; `null`: none. */
  retryAfterSeconds: number | null
  /** Probability (0–1) that a request is never answered. */
  hangRate: number
  /** Probability (0–1) that a request's answer stalls a further `stallMinMs`–`stallMaxMs`. */
  stallRate: number
  /** Shortest stall (ms). */
  stallMinMs: number
  /** Longest stall (ms). */
  stallMaxMs: number
  /** Blocks the provider trails the head by. */
  lagBlocks: number
  /** Median delay of each WebSocket subscription event (ms). */
  wsDelayMs: number
  /** Standard deviation of the WebSocket event delay (ms). */
  wsJitterMs: number
  /** Probability (0–1), per event, that the WebSocket connection is dropped instead. */
  wsDropRate: number
  mode: DemoProviderMode
  /** Widest `eth_getLogs` block range served; `null`: no limit. */
  maxLogsBlockRange: number | null
  /** Most logs an `eth_getLogs` answer may hold; `null`: no limit. */
  maxLogsResults: number | null
  /** How many of its newest blocks' state it keeps (older state reads: `missing trie node`); `null`: all. */
  stateHistoryBlocks: number | null
}

/** Knobs to change: any subset of {@link DemoPersonality}, `errorMix` itself partial (the rest keep their value). */
export type DemoPersonalityPatch = Partial<Omit<DemoPersonality, 'errorMix'>> & {
  errorMix?: Partial<DemoErrorMix>
}

/** A simulated provider as the Live Test tab lists it. */
export interface DemoProviderInfo {
  id: string
  chain: string
  /** False once stopped (removed from the devnet and the pool). */
  running: boolean
  /** Reachability (`down` once stopped). */
  mode: DemoProviderMode
  /** The current knobs. */
  personality: Omit<DemoPersonality, 'mode'>
}

/** What to start with {@link DemoControls.startProvider}. */
export interface DemoStartProviderInput {
  chain: string
  /** @default the devnet's next free id on that chain */
  id?: string
  /** A devnet personality preset. @default 'steady' */
  preset?: DemoProviderPreset
}

/** What to reorganise with {@link DemoControls.reorg}. */
export interface DemoReorgInput {
  /** How many of the newest blocks are replaced by new ones at the same heights (the devnet allows 1–64). */
  depth: number
  /**
   * `keep` re-includes the replaced blocks' transactions in the new blocks; `drop` leaves them out.
   * @default 'keep'
   */
  transactions?: 'keep' | 'drop'
}

/** A block by height and hash. */
export interface DemoBlockRef {
  number: number
  hash: string
}

/** What {@link DemoControls.reorg} did. */
export interface DemoReorgResult {
  chain: string
  depth: number
  /** The blocks taken off the chain, oldest first. */
  replaced: DemoBlockRef[]
  /** The blocks now at the same heights, oldest first. */
  blocks: DemoBlockRef[]
  /** Hashes of replaced transactions that are in the new blocks. */
  reincluded: string[]
  /** Hashes of replaced transactions that are not. */
  dropped: string[]
}

/**
 * The simulated network behind the demo, as the HTTP layer drives it (`POST /api/demo/providers/...`).
 * The server never implements it: `chainpulse demo` wires it to the devnet (and keeps the pool in step,
 * e.g. adding a started provider to it) and passes it to `buildServer({ controls })`. Every method may
 * reject; `UnknownProviderError` / `UnknownChainError` become HTTP 404, `ConfigError` 400, anything else
 * 500 with a redacted message.
 *
 * @example
 * const controls: DemoControls = {
 *   listProviders: async () => devnet.providers().map(toInfo),
 *   kill: (id) => devnet.provider(id).kill(),
 *   // ...
 * }
 * const app = buildServer({ pool, config: { demo: true }, controls })
 */
export interface DemoControls {
  /** Every simulated provider. */
  listProviders(): Promise<DemoProviderInfo[]>
  /** Starts another simulated provider and adds it to the pool; resolves with its id. */
  startProvider(input: DemoStartProviderInput): Promise<{ id: string }>
  /** Stops a simulated provider and removes it from the pool. */
  stopProvider(id: string): Promise<void>
  /** Takes the provider down: its port refuses connections (`mode: 'down'`). */
  kill(id: string): Promise<void>
  /** Brings a killed or hanging provider back up (`mode: 'up'`). */
  revive(id: string): Promise<void>
  /** Changes some of the provider's knobs. */
  setPersonality(id: string, patch: DemoPersonalityPatch): Promise<void>
  /** Drops the provider's WebSocket connections without a close frame (clients see 1006). */
  dropConnections(id: string): Promise<void>
  /**
   * Reorganises `chain` (a chain name): its newest `depth` blocks are replaced, and every simulated
   * provider publishes the new branch as a node does after a reorg.
   */
  reorg(chain: string, input: DemoReorgInput): Promise<DemoReorgResult>
}
