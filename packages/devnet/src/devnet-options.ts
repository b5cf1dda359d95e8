import { z } from 'zod'
import { ANVIL_HARDFORKS, type AnvilHardfork, type BlockTime } from './anvil/spawn-anvil.js'
import { DevnetConfigError } from './errors.js'
import {
  applyPersonalityPatch,
  neutralPersonality,
  type Personality,
  type PersonalityPatch,
  type PersonalityPreset,
  personalityPatchSchema,
  personalityPresets,
} from './provider/personality.js'
import { parseWith } from './validation.js'

/** Names of the chains the devnet knows without a `chainId`. */
export type KnownChainName = 'ethereum' | 'polygon' | 'arbitrum'

/** Chain ids and block times of the default chains (sub-second, so a demo is lively). */
export const KNOWN_CHAINS: Readonly<Record<KnownChainName, { chainId: number; blockTime: BlockTime }>> = {
  ethereum: { chainId: 1, blockTime: 800 },
  polygon: { chainId: 137, blockTime: 400 },
  arbitrum: { chainId: 42161, blockTime: 250 },
}

/** A provider to start: every field is optional. */
export interface ProviderOptions {
  /** Unique id across the devnet. @default `<chain>-<alpha|bravo|…>` */
  id?: string
  /** Personality preset to start from. @default the next of leader, slow, flaky, lagging (or 'steady' when added at runtime) */
  preset?: PersonalityPreset
  /** Knobs applied on top of the preset. */
  personality?: PersonalityPatch
  /** Fixed port. @default a free port */
  port?: number
}

/** One chain: an anvil node and its providers. */
export interface ChainOptions {
  /** Lowercase name, e.g. `ethereum`. */
  name: string
  /** Required unless the name is ethereum, polygon or arbitrum. */
  chainId?: number
  /** Block interval in ms (>= 50), `'manual'` (mine on demand) or `'auto'` (one block per transaction). @default 800 / 400 / 250 for the known chains, 500 otherwise */
  blockTimeMs?: BlockTime
  /** Fixed port of the anvil node. @default a free port */
  nodePort?: number
  /**
   * The node's EVM hardfork. A long chain wants `'cancun'` (with `pruneHistory`): from Prague on, anvil's
   * mining slows with every block mined. @default anvil's latest
   */
  hardfork?: AnvilHardfork
  /**
   * Keep no past states in the node, so mining costs the same at any height (tens of thousands of blocks
   * in seconds, with `hardfork: 'cancun'`). Blocks, receipts and logs stay; calls against a past block's
   * state fail. @default false
   */
  pruneHistory?: boolean
  /** Providers in front of the node: a count (default personalities) or a list. @default 4 */
  providers?: number | ProviderOptions[]
  /** Background transactions: on/off or a tick interval. @default on with a tick per block, off for manual mining */
  traffic?: boolean | { intervalMs: number }
}

/** Options of `startDevnet`. Everything is optional: `startDevnet()` starts 3 chains × 4 providers. */
export interface DevnetOptions {
  /** Seed of every provider's fault sequence. @default 1 */
  seed?: number | string
  /** Chains to run, as names of known chains or full options. @default ['ethereum', 'polygon', 'arbitrum'] */
  chains?: (KnownChainName | ChainOptions)[]
  /** Start the HTTP control API. @default true */
  control?: boolean
  /** Fixed port of the control API. @default a free port */
  controlPort?: number
  /** Path of the anvil binary. @default resolved from `@foundry-rs/anvil-<platform>` */
  anvilPath?: string
}

/** A provider after defaults: id, preset and full personality known. */
export interface ResolvedProvider {
  id: string
  profile: string
  personality: Personality
  port: number
}

/** A chain after defaults. */
export interface ResolvedChain {
  name: string
  chainId: number
  blockTime: BlockTime
  nodePort: number
  hardfork: AnvilHardfork | undefined
  pruneHistory: boolean
  providers: ResolvedProvider[]
  traffic: { intervalMs: number } | false
}

/** Options after validation and defaults. */
export interface ResolvedDevnetOptions {
  seed: number | string
  chains: ResolvedChain[]
  control: boolean
  controlPort: number
  anvilPath: string | undefined
}

const NATO = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliett',
  'kilo',
  'lima',
  'mike',
]
const DEFAULT_PRESETS: readonly PersonalityPreset[] = ['leader', 'slow', 'flaky', 'lagging']
const PRESETS = Object.keys(personalityPresets) as [PersonalityPreset, ...PersonalityPreset[]]

const port = z.number().int().min(0).max(65_535)
const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'letters, digits, ".", "_" or "-", at most 64')

/** zod schema of {@link ProviderOptions}. */
export const providerOptionsSchema = z.strictObject({
  id: identifier.optional(),
  preset: z.enum(PRESETS).optional(),
  personality: personalityPatchSchema.optional(),
  port: port.optional(),
})

const chainOptionsSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits or "-", at most 32'),
  chainId: z.number().int().positive().optional(),
  blockTimeMs: z
    .union([z.number().min(50).max(3_600_000), z.literal('manual'), z.literal('auto')])
    .optional(),
  nodePort: port.optional(),
  hardfork: z.enum(ANVIL_HARDFORKS).optional(),
  pruneHistory: z.boolean().optional(),
  providers: z.union([z.number().int().min(0).max(NATO.length), z.array(providerOptionsSchema)]).optional(),
  traffic: z
    .union([z.boolean(), z.strictObject({ intervalMs: z.number().min(10).max(3_600_000) })])
    .optional(),
})

const devnetOptionsSchema = z.strictObject({
  seed: z.union([z.number().int(), z.string().max(64)]).optional(),
  chains: z
    .array(z.union([z.enum(['ethereum', 'polygon', 'arbitrum']), chainOptionsSchema]))
    .min(1)
    .optional(),
  control: z.boolean().optional(),
  controlPort: port.optional(),
  anvilPath: z.string().min(1).optional(),
})

/**
 * Validates devnet options and fills in every default.
 *
 * @throws {DevnetConfigError} naming the bad path, e.g. `devnet options: chains[0].blockTimeMs: ...`
 */
export function resolveDevnetOptions(input: DevnetOptions = {}): ResolvedDevnetOptions {
  const options = parseWith(devnetOptionsSchema, input, 'devnet options')
  const chainInputs = options.chains ?? (Object.keys(KNOWN_CHAINS) as KnownChainName[])
  const ids = new Set<string>()
  const names = new Set<string>()
  const chains = chainInputs.map((entry, chainIndex): ResolvedChain => {
    const chain = typeof entry === 'string' ? { name: entry } : entry
    const path = ['chains', chainIndex]
    const known = KNOWN_CHAINS[chain.name as KnownChainName] as
      | (typeof KNOWN_CHAINS)[KnownChainName]
      | undefined
    const chainId = chain.chainId ?? known?.chainId
    if (chainId === undefined) {
      throw new DevnetConfigError(
        `devnet options: chains[${chainIndex}].chainId: required for chain "${chain.name}"`,
        [...path, 'chainId'],
      )
    }
    if (names.has(chain.name)) {
      throw new DevnetConfigError(
        `devnet options: chains[${chainIndex}].name: duplicate chain "${chain.name}"`,
        [...path, 'name'],
      )
    }
    names.add(chain.name)
    const blockTime = chain.blockTimeMs ?? known?.blockTime ?? 500
    const providerInputs =
      typeof chain.providers === 'number' || chain.providers === undefined
        ? Array.from({ length: chain.providers ?? DEFAULT_PRESETS.length }, () => ({}))
        : chain.providers
    const providers = providerInputs.map((provider, index) => {
      const resolved = resolveProvider(chain.name, provider, index, [...path, 'providers', index])
      if (ids.has(resolved.id)) {
        throw new DevnetConfigError(
          `devnet options: chains[${chainIndex}].providers[${index}].id: duplicate provider id "${resolved.id}"`,
          [...path, 'providers', index, 'id'],
        )
      }
      ids.add(resolved.id)
      return resolved
    })
    return {
      name: chain.name,
      chainId,
      blockTime,
      nodePort: chain.nodePort ?? 0,
      hardfork: chain.hardfork,
      pruneHistory: chain.pruneHistory ?? false,
      providers,
      traffic: resolveTraffic(chain.traffic, blockTime),
    }
  })
  return {
    seed: options.seed ?? 1,
    chains,
    control: options.control ?? true,
    controlPort: options.controlPort ?? 0,
    anvilPath: options.anvilPath,
  }
}

/**
 * Fills in a provider's defaults: the Nth provider of a chain is `<chain>-<Nth NATO word>` with the Nth
 * default preset, unless given.
 *
 * @throws {DevnetConfigError} when the options or the personality are invalid
 */
export function resolveProvider(
  chain: string,
  input: ProviderOptions,
  index: number,
  path: (string | number)[] = [],
  fallbackPreset?: PersonalityPreset,
): ResolvedProvider {
  const where = path.length > 0 ? 'devnet options' : 'provider options'
  const options = parseWith(providerOptionsSchema, input, where)
  const preset =
    options.preset ?? fallbackPreset ?? (DEFAULT_PRESETS[index % DEFAULT_PRESETS.length] as PersonalityPreset)
  const base = applyPersonalityPatch(neutralPersonality, personalityPresets[preset])
  return {
    id: options.id ?? `${chain}-${NATO[index % NATO.length]}${index >= NATO.length ? `-${index}` : ''}`,
    profile: preset,
    personality: applyPersonalityPatch(base, options.personality ?? {}, `${where}: personality`),
    port: options.port ?? 0,
  }
}

function resolveTraffic(traffic: ChainOptions['traffic'], blockTime: BlockTime): ResolvedChain['traffic'] {
  const defaultInterval = typeof blockTime === 'number' ? blockTime : 1_000
  if (traffic === undefined) return blockTime === 'manual' ? false : { intervalMs: defaultInterval }
  if (traffic === false) return false
  return traffic === true ? { intervalMs: defaultInterval } : traffic
}

/** The next free default id of a chain (for providers added at runtime). */
export function nextProviderIndex(chain: string, taken: ReadonlySet<string>): number {
  for (let index = 0; ; index++) {
    const id = `${chain}-${NATO[index % NATO.length]}${index >= NATO.length ? `-${index}` : ''}`
    if (!taken.has(id)) return index
  }
}
