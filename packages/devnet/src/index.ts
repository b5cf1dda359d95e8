export type { RequestFaultKind } from '@chainpulse/core/testing'
export { locateAnvil } from './anvil/locate-anvil.js'
export type { AnvilHardfork, AnvilNode, BlockTime, SpawnAnvilOptions } from './anvil/spawn-anvil.js'
export { ANVIL_HARDFORKS, spawnAnvil } from './anvil/spawn-anvil.js'
export type { BlockHeader, LogEntry } from './chain/chain-feed.js'
export type { ReorgBlock, ReorgOptions, ReorgResult, ReorgTransactions } from './chain/reorg.js'
export { MAX_REORG_DEPTH } from './chain/reorg.js'
export type { AddProviderOptions, Devnet, DevnetChain } from './devnet.js'
export { startDevnet } from './devnet.js'
export type { ChainOptions, DevnetOptions, KnownChainName, ProviderOptions } from './devnet-options.js'
export { KNOWN_CHAINS } from './devnet-options.js'
export { AnvilError, DevnetConfigError, DevnetLookupError } from './errors.js'
export { isLoopbackUrl, LOOPBACK_HOST } from './loopback.js'
export type { DevnetManifest, ManifestChain, ManifestProvider } from './manifest.js'
export { writeManifest } from './manifest.js'
export { INJECTED_ERRORS } from './provider/injected-errors.js'
export type { LogFilter } from './provider/log-filter.js'
export type {
  ErrorMix,
  Personality,
  PersonalityPatch,
  PersonalityPreset,
  ProviderMode,
} from './provider/personality.js'
export {
  applyPersonalityPatch,
  neutralPersonality,
  personalityPatchSchema,
  personalityPresets,
} from './provider/personality.js'
export type { ProviderStats } from './provider/provider-stats.js'
export type { SimulatedProvider } from './provider/simulated-provider.js'
export {
  LOG_EMITTER_CREATION_CODE,
  LOG_EMITTER_RUNTIME,
  PING_TOPIC,
  pingCalldata,
} from './traffic/log-emitter.js'
export type { TrafficGenerator, TrafficTickResult } from './traffic/traffic-generator.js'
