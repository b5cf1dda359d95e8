import { createServer, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { createFaultPlan } from '@chainpulse/core/testing'
import type { ChainFeed } from '../chain/chain-feed.js'
import { DevnetConfigError } from '../errors.js'
import { isLoopbackUrl, LOOPBACK_HOST, loopbackUrl } from '../loopback.js'
import { createEventRelay } from './event-relay.js'
import { createForwarder } from './forwarder.js'
import { createHttpHandler } from './http-front.js'
import { createNodeFilters } from './node-filters.js'
import {
  applyPersonalityPatch,
  neutralPersonality,
  type Personality,
  type PersonalityPatch,
} from './personality.js'
import type { ProviderContext } from './provider-context.js'
import { createProviderStats, type ProviderStats } from './provider-stats.js'
import { createWsFront } from './ws-front.js'

/** Options of {@link startSimulatedProvider}. */
export interface SimulatedProviderOptions {
  id: string
  /** Name of the chain this provider serves. */
  chain: string
  chainId: number
  /** HTTP URL of the chain's node. */
  nodeUrl: string
  /** The chain's event feed (shared by its providers). */
  feed: ChainFeed
  /** Seed of the provider's fault sequence (combined with its id). */
  seed: number | string
  /** @default neutralPersonality */
  personality?: Personality
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number
  /** Free-form label of where the personality came from (a preset name), shown in the manifest. */
  profile?: string
}

/** One simulated provider: an HTTP + WebSocket JSON-RPC endpoint on its own port, in front of a node. */
export interface SimulatedProvider {
  readonly id: string
  readonly chain: string
  readonly chainId: number
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string
  /** `ws://127.0.0.1:<port>` (same port as HTTP) */
  readonly wsUrl: string
  readonly profile: string | undefined
  /** The personality in force (a copy). */
  readonly personality: Personality
  /**
   * Changes personality knobs; takes effect for the next request and event. Moving `mode` to or from
   * `down` closes or reopens the port, so it resolves once that is done.
   *
   * @throws {DevnetConfigError} naming the bad knob, e.g. `personality patch: errorRate: Too big ...`
   */
  set(patch: PersonalityPatch): Promise<Personality>
  /**
   * Full outage: closes every connection and refuses new ones (`mode: 'down'`). Like a node process
   * that stops, it forgets its filters: after `revive()` their ids answer `filter not found`.
   */
  kill(): Promise<void>
  /** Ends an outage or a hang (`mode: 'up'`), on the same port. */
  revive(): Promise<void>
  /** Drops every WebSocket connection abruptly; returns how many were dropped. */
  dropConnections(): number
  /** Counters since start (a copy). */
  stats(): ProviderStats
  /** Stops serving for good. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts a simulated provider listening on 127.0.0.1.
 *
 * @throws {DevnetConfigError} when the personality is invalid or the node is not on loopback
 * @throws {Error} when the port cannot be bound
 * @example
 * const provider = await startSimulatedProvider({ id: 'ethereum-alpha', chain: 'ethereum', chainId: 1,
 *   nodeUrl: node.url, feed, seed: 1, personality: applyPersonalityPatch(neutralPersonality, { latencyMs: 20 }) })
 * await provider.set({ errorRate: 0.1 })
 */
export async function startSimulatedProvider(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
  if (!isLoopbackUrl(options.nodeUrl)) {
    throw new DevnetConfigError(
      `provider ${options.id}: nodeUrl: the devnet only contacts loopback addresses`,
      ['nodeUrl'],
    )
  }
  let personality = applyPersonalityPatch(options.personality ?? neutralPersonality, {})
  const stats = createProviderStats()
  const filters = createNodeFilters()
  const context: ProviderContext = {
    id: options.id,
    personality: () => personality,
    plan: createFaultPlan(options.seed, options.id),
    forwarder: createForwarder(options.nodeUrl, { filters }),
    stats,
  }
  /** A stopped node loses its filters; the shared node is told to drop them too, so nothing leaks there. */
  const forgetFilters = () => {
    const ids = filters.forget()
    if (ids.length === 0) return
    const batch = ids.map((id, index) => ({
      jsonrpc: '2.0',
      id: index,
      method: 'eth_uninstallFilter',
      params: [id],
    }))
    fetch(options.nodeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    }).then(
      (response) => response.body?.cancel(),
      () => {
        // the node is gone too (the devnet is stopping): nothing left to clean up
      },
    )
  }
  const parked = new Set<ServerResponse>()
  const sockets = new Set<Socket>()
  const ws = createWsFront(context)
  const server = createServer({ keepAlive: true }, createHttpHandler(context, parked))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('upgrade', (request, socket, head) => {
    // a hung provider accepts the connection and never completes the handshake
    if (personality.mode === 'hang') return
    ws.handleUpgrade(request, socket, head)
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error)
      server.once('error', onError)
      server.listen(port, LOOPBACK_HOST, () => {
        server.off('error', onError)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      ws.dropAll()
      for (const socket of sockets) socket.destroy()
      parked.clear()
    })

  // listen even when starting down, so the port is reserved and stays the same across revive()
  const port = await listen(options.port ?? 0)
  const relay = createEventRelay(context, options.feed, (event) => ws.publish(event))

  let closed = false
  let transition = Promise.resolve()
  /** Brings the listening state in line with the current mode; calls are serialised. */
  const reconcile = () => {
    const run = async () => {
      if (closed) return
      const wanted = personality.mode !== 'down'
      if (wanted && !server.listening) await listen(port)
      if (!wanted && server.listening) {
        await stopListening()
        forgetFilters()
      }
      relay.flush()
    }
    transition = transition.then(run, run)
    return transition
  }
  const set = async (patch: PersonalityPatch): Promise<Personality> => {
    // applied synchronously, so back-to-back set() calls compose instead of overwriting each other
    personality = applyPersonalityPatch(personality, patch)
    await reconcile()
    return { ...personality, errorMix: { ...personality.errorMix } }
  }
  if (personality.mode === 'down') await reconcile()

  return {
    id: options.id,
    chain: options.chain,
    chainId: options.chainId,
    port,
    httpUrl: loopbackUrl('http', port),
    wsUrl: loopbackUrl('ws', port),
    profile: options.profile,
    get personality() {
      return { ...personality, errorMix: { ...personality.errorMix } }
    },
    set,
    kill: () => set({ mode: 'down' }).then(() => undefined),
    revive: () => set({ mode: 'up' }).then(() => undefined),
    dropConnections: () => ws.dropAll(),
    stats: () => ({ ...stats, outcomes: { ...stats.outcomes } }),
    async close() {
      if (closed) return
      closed = true
      relay.close()
      await transition
      await stopListening()
      forgetFilters()
    },
  }
}
