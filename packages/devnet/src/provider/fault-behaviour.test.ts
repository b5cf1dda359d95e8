import { createHttpTransport, createWsTransport } from '@chainpulse/core'
import {
  type FaultBehaviourProvider,
  type FaultBehaviourTarget,
  faultBehaviourCases,
} from '@chainpulse/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type Devnet, startDevnet } from '../devnet.js'

// The simulated-provider contract core's mock provider passes on a fake clock
// (packages/core/src/testing/fault-behaviour.test.ts), here over real sockets in front of a real anvil
// node, called through core's HTTP transport as the pool calls a provider.
const SEED = 3
let devnet: Devnet

beforeAll(async () => {
  devnet = await startDevnet({
    seed: SEED,
    control: false,
    chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: [{ id: 'base', preset: 'neutral' }] }],
  })
  await devnet.chain('ethereum').mine(6)
  // The first calls of a process pay for loading and compiling the HTTP path on both sides; pay it
  // here, through a provider no case uses, not in a case's timing.
  const base = createHttpTransport({ url: devnet.provider('base').httpUrl })
  for (let id = 1; id <= 5; id++) await base.request({ jsonrpc: '2.0', id, method: 'eth_blockNumber' })
})

afterAll(async () => {
  await devnet?.stop()
})

const target: FaultBehaviourTarget = {
  // Loopback, a timer and a machine that may be busy: an answer may come a little after its drawn latency.
  toleranceMs: 100,
  async start(personality) {
    const simulated = await devnet.addProvider({ chain: 'ethereum', preset: 'neutral', personality })
    const http = createHttpTransport({ url: simulated.httpUrl, providerId: simulated.id })
    // Opens the keep-alive connection the transport's calls reuse, so the first timed call pays no
    // connection setup; a preflight is no JSON-RPC request, so the fault plan does not count it.
    await fetch(simulated.httpUrl, { method: 'OPTIONS' }).then(
      (reply) => reply.arrayBuffer(),
      () => undefined,
    )
    let nextId = 1
    return {
      seed: SEED,
      id: simulated.id,
      call: async (method, params, { timeoutMs }) =>
        (await http.request({ jsonrpc: '2.0', id: nextId++, method, params }, { timeoutMs })).response,
      async subscribeHeads(onHead, onDrop) {
        const ws = createWsTransport({ url: simulated.wsUrl, providerId: simulated.id })
        ws.onStateChange(({ state }) => {
          if (state === 'reconnecting') onDrop()
        })
        await ws.subscribe(['newHeads'], (head) =>
          onHead(Number.parseInt((head as { number: string }).number, 16)),
        )
        return async () => ws.close()
      },
      now: () => performance.now(),
    } satisfies FaultBehaviourProvider
  },
  stop: (provider) => devnet.removeProvider(provider.id),
  chainHead: () => devnet.chain('ethereum').blockNumber(),
  mine: async () => void (await devnet.chain('ethereum').mine()),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

describe('devnet provider fault behaviour (the simulated-provider contract, over anvil)', {
  timeout: 20_000,
}, () => {
  for (const c of faultBehaviourCases(target)) it(c.name, c.run)
})
