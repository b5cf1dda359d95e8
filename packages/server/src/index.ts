/**
 * @chainpulse/server — the ChainPulse JSON-RPC proxy as a Fastify server (`buildServer`) or a plugin for
 * an existing Fastify app (`chainPulsePlugin`). Every export is listed explicitly; `index.test.ts`
 * snapshots the list so API changes are deliberate. The demo (`startDemo`, which needs
 * `@chainpulse/devnet`) is at `@chainpulse/server/demo`.
 */
export { type BuildServerOptions, buildServer } from './app.js'
export {
  type ChainPulseConfig,
  type LoadConfigResult,
  loadConfigFile,
  type ParseConfigTextOptions,
  parseConfigText,
} from './config/load-config.js'
export {
  parseServerConfig,
  type ServerConfig,
  type ServerConfigInput,
  serverConfigSchema,
} from './config/server-config.js'
export type {
  DemoBlockRef,
  DemoControls,
  DemoErrorMix,
  DemoPersonality,
  DemoPersonalityPatch,
  DemoProviderInfo,
  DemoProviderMode,
  DemoReorgInput,
  DemoReorgResult,
  DemoStartProviderInput,
} from './demo/controls.js'
export type { DemoProviderPreset } from './demo/personality.js'
export { type ProxyErrorCode, type RpcErrorObject, rpcErrorCodes } from './json-rpc/rpc-errors.js'
export type { ChainCalls } from './metrics/call-counts.js'
export {
  createSnapshotPersistence,
  type SnapshotPersistence,
  type SnapshotPersistenceOptions,
  type SnapshotRestoreResult,
} from './persistence/snapshot-file.js'
export { type ChainPulsePluginOptions, chainPulsePlugin } from './plugin.js'
export type { ProxyPool } from './proxy-pool.js'
export type { Capabilities, RuntimeView, TopicCounters } from './routes/api/api-routes.js'
export type { ApiErrorBody } from './routes/api/http-errors.js'
export type { ClusterAggregates, StatsReader, StatsScope } from './routes/api/stats-source.js'
export type { StreamTopic } from './routes/api/stream.js'
export type { ChainView, LeaderboardView, ProviderView } from './routes/api/views.js'
export type { HealthReport } from './routes/health.js'
export { reservedRpcSegments } from './routes/rpc-target.js'
export { defaultDeniedMethods } from './security/method-filter.js'
export { urlSecrets } from './security/redaction.js'
export {
  type RunningChainPulse,
  type StartChainPulseOptions,
  startChainPulse,
} from './start-chainpulse.js'
export { createUndiciFetch, type UndiciFetch, type UndiciFetchOptions } from './upstream/undici-fetch.js'
export { wsCloseCodes } from './ws/websocket-support.js'
