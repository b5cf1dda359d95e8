/**
 * @chainpulse/server — the ChainPulse JSON-RPC proxy as a Fastify server (`buildServer`) or a plugin for
 * an existing Fastify app (`chainPulsePlugin`). Every export is listed explicitly; `index.test.ts`
 * snapshots the list so API changes are deliberate.
 */
export { type BuildServerOptions, buildServer } from './app.js'
export {
  defaultDeniedMethods,
  parseServerConfig,
  type ServerConfig,
  type ServerConfigInput,
  serverConfigSchema,
} from './config/server-config.js'
export { type ProxyErrorCode, type RpcErrorObject, rpcErrorCodes } from './json-rpc/rpc-errors.js'
export { type ChainPulsePluginOptions, chainPulsePlugin } from './plugin.js'
export type { ProxyPool } from './proxy-pool.js'
export type { HealthReport } from './routes/health.js'
export { reservedRpcSegments } from './routes/rpc.js'
export { urlSecrets } from './security/redaction.js'
