import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { BlockTime } from './anvil/spawn-anvil.js'
import type { ChainOptions, DevnetOptions, KnownChainName } from './devnet-options.js'
import { KNOWN_CHAINS } from './devnet-options.js'
import type { DevnetManifest } from './manifest.js'

/** Usage text of `chainpulse-devnet --help`. */
export const HELP = `chainpulse-devnet: a local multi-chain, multi-provider network (anvil + simulated providers)

Usage: chainpulse-devnet [options]

  --chains <list>          comma-separated chain names (default: ethereum,polygon,arbitrum)
  --providers <n>          providers per chain (default: 4)
  --block-time <ms|manual|auto>  block time of every chain (default: 800 / 400 / 250 ms)
  --seed <n|text>          seed of the fault sequences (default: 1)
  --control-port <port>    port of the control API (default: a free port)
  --base-port <port>       give providers fixed ports base, base+1, ... (default: free ports)
  --no-traffic             do not send background transactions
  --config <file>          JSON file with full startDevnet options (flags above override it)
  --manifest <file>        also write the manifest JSON to this file
  -h, --help               show this help

Prints the manifest JSON on stdout, a summary on stderr, and runs until SIGINT/SIGTERM.`

/**
 * Parses `chainpulse-devnet` arguments into devnet options plus the manifest path; relative paths
 * resolve against `cwd`.
 *
 * @throws {Error} for unknown flags or malformed values
 */
export async function parseCli(
  argv: string[],
  cwd: string,
): Promise<{ options: DevnetOptions; manifestPath?: string; help: boolean }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      chains: { type: 'string' },
      providers: { type: 'string' },
      'block-time': { type: 'string' },
      seed: { type: 'string' },
      'control-port': { type: 'string' },
      'base-port': { type: 'string' },
      'no-traffic': { type: 'boolean' },
      config: { type: 'string' },
      manifest: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  const options: DevnetOptions = values.config
    ? (JSON.parse(await readFile(resolve(cwd, values.config), 'utf8')) as DevnetOptions)
    : {}
  if (values.seed !== undefined)
    options.seed = /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed
  if (values['control-port'] !== undefined)
    options.controlPort = integer(values['control-port'], '--control-port')
  const names = values.chains
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const baseChains: ChainOptions[] = (
    names ??
    options.chains ??
    (Object.keys(KNOWN_CHAINS) as KnownChainName[])
  ).map((entry) => (typeof entry === 'string' ? { name: entry } : { ...entry }))
  let nextPort = values['base-port'] !== undefined ? integer(values['base-port'], '--base-port') : undefined
  for (const chain of baseChains) {
    if (values.providers !== undefined) chain.providers = integer(values.providers, '--providers')
    if (values['block-time'] !== undefined) chain.blockTimeMs = blockTime(values['block-time'])
    if (values['no-traffic']) chain.traffic = false
    if (nextPort !== undefined) {
      const list =
        typeof chain.providers === 'object'
          ? chain.providers
          : Array.from({ length: chain.providers ?? 4 }, () => ({}))
      chain.providers = list.map((provider) => ({ ...provider, port: (nextPort as number)++ }))
    }
  }
  options.chains = baseChains
  return {
    options,
    ...(values.manifest ? { manifestPath: resolve(cwd, values.manifest) } : {}),
    help: values.help ?? false,
  }
}

function integer(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${flag}: expected a non-negative integer, got "${text}"`)
  return Number(text)
}

function blockTime(text: string): BlockTime {
  if (text === 'manual' || text === 'auto') return text
  const ms = Number(text)
  if (!Number.isFinite(ms))
    throw new Error(`--block-time: expected milliseconds, "manual" or "auto", got "${text}"`)
  return ms
}

/** A human-readable table of a manifest (the CLI prints it on stderr). */
export function summary(manifest: DevnetManifest): string {
  const lines = [`chainpulse devnet (seed ${manifest.seed}) — control API ${manifest.controlUrl ?? 'off'}`]
  for (const chain of manifest.chains) {
    const time =
      typeof chain.blockTime === 'number' ? `${chain.blockTime} ms blocks` : `${chain.blockTime} mining`
    lines.push(`  ${chain.name} (chain id ${chain.chainId}, ${time}) node ${chain.nodeUrl}`)
    for (const provider of manifest.providers.filter((p) => p.chain === chain.name)) {
      const p = provider.personality
      lines.push(
        `    ${provider.id.padEnd(20)} ${provider.httpUrl.padEnd(24)} ${String(provider.profile).padEnd(8)} ` +
          `${p.latencyMs}±${p.jitterMs} ms, errors ${(p.errorRate * 100).toFixed(1)}%, lag ${p.lagBlocks}`,
      )
    }
  }
  return lines.join('\n')
}
