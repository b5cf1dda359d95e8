import { ConfigError, type ProviderPool, UnknownChainError, UnknownProviderError } from '@chainpulse/core'
import {
  type Devnet,
  DevnetConfigError,
  type Personality,
  personalityPresets,
  type SimulatedProvider,
} from '@chainpulse/devnet'
import type {
  DemoControls,
  DemoPersonalityPatch,
  DemoProviderInfo,
  DemoStartProviderInput,
} from './controls.js'

/**
 * The demo's {@link DemoControls} over a running devnet, keeping the pool in step: a started provider
 * joins the pool, a stopped one leaves it. Devnet errors become the core errors the API maps to HTTP
 * statuses (unknown id → `UnknownProviderError`, bad knob → `ConfigError`).
 *
 * @example
 * const controls = createDevnetDemoControls({ devnet, pool })
 * const app = buildServer({ pool, config: { demo: true }, controls })
 */
export function createDevnetDemoControls(options: {
  devnet: Devnet
  pool: Pick<ProviderPool, 'addProvider' | 'removeProvider'>
}): DemoControls {
  const { devnet, pool } = options
  // Stopped providers stay listed (running: false) so the Live Test tab can show what was stopped.
  const stopped = new Map<string, DemoProviderInfo>()

  function provider(id: string): SimulatedProvider {
    const found = devnet.providers().find((candidate) => candidate.id === id)
    if (!found) throw new UnknownProviderError(id)
    return found
  }

  async function devnetCall<T>(run: () => Promise<T> | T): Promise<T> {
    try {
      return await run()
    } catch (error) {
      if (error instanceof DevnetConfigError)
        throw new ConfigError('demo control', [
          { path: error.path.join('.'), message: error.message.replace(/^.*?: /, '') },
        ])
      throw error
    }
  }

  return {
    async listProviders() {
      const running = devnet
        .providers()
        .map((simulated) => info(simulated.id, simulated.chain, simulated.personality, true))
      return [...running, ...[...stopped.values()].filter((entry) => !running.some((r) => r.id === entry.id))]
    },
    async startProvider(input: DemoStartProviderInput) {
      if (!devnet.chains().some((chain) => chain.name === input.chain))
        throw new UnknownChainError(
          input.chain,
          devnet.chains().map((chain) => chain.name),
        )
      if (input.id !== undefined && devnet.providers().some((candidate) => candidate.id === input.id))
        throw new ConfigError('demo provider', [{ path: 'id', message: `"${input.id}" is already running` }])
      if (input.preset !== undefined && !Object.hasOwn(personalityPresets, input.preset))
        throw new ConfigError('demo provider', [
          { path: 'preset', message: `expected one of ${Object.keys(personalityPresets).join(', ')}` },
        ])
      const started = await devnetCall(() =>
        devnet.addProvider({
          chain: input.chain,
          ...(input.id === undefined ? {} : { id: input.id }),
          ...(input.preset === undefined ? {} : { preset: input.preset }),
        }),
      )
      try {
        pool.addProvider({
          id: started.id,
          chain: started.chain,
          httpUrl: started.httpUrl,
          wsUrl: started.wsUrl,
        })
      } catch (error) {
        await devnet.removeProvider(started.id)
        throw error
      }
      stopped.delete(started.id)
      return { id: started.id }
    },
    async stopProvider(id) {
      const simulated = provider(id)
      const last = info(simulated.id, simulated.chain, simulated.personality, false)
      // Leave the pool first, so no new request is routed to a provider that is going away.
      try {
        pool.removeProvider(id)
      } catch (error) {
        if (!(error instanceof UnknownProviderError)) throw error
      }
      await devnet.removeProvider(id)
      stopped.set(id, last)
    },
    async kill(id) {
      await provider(id).kill()
    },
    async revive(id) {
      await provider(id).revive()
    },
    async setPersonality(id, patch: DemoPersonalityPatch) {
      const simulated = provider(id)
      await devnetCall(() => simulated.set(patch))
    },
    async dropConnections(id) {
      provider(id).dropConnections()
    },
    async reorg(chain, input) {
      const names = devnet.chains().map((candidate) => candidate.name)
      if (!names.includes(chain)) throw new UnknownChainError(chain, names)
      const { transactions } = input
      const result = await devnetCall(() =>
        devnet.chain(chain).reorg(input.depth, transactions === undefined ? {} : { transactions }),
      )
      return { chain, ...result }
    },
  }
}

function info(id: string, chain: string, personality: Personality, running: boolean): DemoProviderInfo {
  const { mode, ...knobs } = personality
  return {
    id,
    chain,
    running,
    mode: running ? mode : 'down',
    personality: { ...knobs, errorMix: { ...knobs.errorMix } },
  }
}
