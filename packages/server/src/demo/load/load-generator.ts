import {
  type ChainPulseTopics,
  type Clock,
  type FetchLike,
  type PubSub,
  systemClock,
  type TimerHandle,
  type WebSocketConstructor,
  type WebSocketLike,
} from '@chainpulse/core'
import { WebSocket as NodeWebSocket } from 'ws'
import { z } from 'zod'

/** One method of a load mix; `weight` is relative. */
export interface LoadMethod {
  method: string
  params?: unknown[]
  /** @default 1 */
  weight?: number
}

/** The mix used when none is given: mostly cheap reads, as a dapp front end sends. */
export const defaultLoadMix: readonly LoadMethod[] = [
  { method: 'eth_blockNumber', weight: 5 },
  { method: 'eth_getBalance', params: ['0x0000000000000000000000000000000000000000', 'latest'], weight: 2 },
  { method: 'eth_chainId', weight: 1 },
  { method: 'eth_getBlockByNumber', params: ['latest', false], weight: 1 },
  { method: 'eth_gasPrice', weight: 1 },
]

/** Options of {@link createLoadGenerator}. */
export interface LoadGeneratorOptions {
  /** The server's own base URL, e.g. `http://127.0.0.1:4000`; requests go to `/rpc/<chain>` and `/ws/rpc/<chain>`. */
  baseUrl: string
  /** Chains the clients call, assigned round-robin. */
  chains: string[]
  /** Requests per second over all clients. */
  ratePerSecond: number
  /** Simulated clients; client `i` uses `transports[i % transports.length]`. */
  clients: number
  /** @default ['http'] */
  transports?: ('http' | 'ws')[]
  /** @default defaultLoadMix */
  methods?: LoadMethod[]
  /** The generator stops by itself after this long (ms). @default none: it runs until `stop()` */
  durationMs?: number
  /**
   * `eth_subscribe` params each WebSocket client sends once its socket opens (e.g. `['newHeads']`), as
   * a dapp watching blocks does; the answer counts as a request, the notifications that follow are
   * counted in `notifications`. @default none
   */
  subscribe?: unknown[]
  /** Prefix of the HTTP clients' ids in `connections` events (`<name>-<run>-<n>`). @default 'load' */
  name?: string
  /** Requests in flight at most; a request due while at the cap is skipped (counted), never queued. @default clients × 8 */
  maxInFlight?: number
  /** A request with no answer after this long counts as a timeout and frees its slot (ms). @default 10_000 */
  requestTimeoutMs?: number
  /** Extra HTTP headers, e.g. `x-api-key`. */
  headers?: Record<string, string>
  /** Where the HTTP clients' `connections` events (kind `client`) are published. */
  pubsub?: Pick<PubSub<ChainPulseTopics>, 'publish'>
  clock?: Clock
  random?: () => number
  /** @default globalThis.fetch */
  fetch?: FetchLike
  /** @default the `ws` package's WebSocket */
  WebSocket?: WebSocketConstructor
}

/** Progress of a load run. */
export interface LoadStatus {
  running: boolean
  /** Clock time the run started, and ends (or ended); `null` while a run without a duration goes on. */
  startedAt: number
  endsAt: number | null
  ratePerSecond: number
  clients: number
  transports: ('http' | 'ws')[]
  sent: number
  ok: number
  /** HTTP errors, JSON-RPC error answers and failed connections. */
  errors: number
  timeouts: number
  /** Requests not sent because `maxInFlight` were pending or the client's socket was not open. */
  skipped: number
  /** `eth_subscription` notifications received by the WebSocket clients (see `subscribe`). */
  notifications: number
  inFlight: number
  /** `duration` (it stopped by itself), `stopped` (asked to) or `undefined` while running. */
  stopReason: 'duration' | 'stopped' | undefined
}

/** A running load: simulated clients calling the server. */
export interface LoadGenerator {
  status(): LoadStatus
  /** Stops sending, closes the clients' sockets and abandons pending requests. */
  stop(): void
  /** Resolves with the final status once the run stops, by itself or by `stop()`. */
  readonly done: Promise<LoadStatus>
}

const optionsSchema = z.object({
  baseUrl: z.string().regex(/^https?:\/\/[^/]+$/, 'expected an origin such as http://127.0.0.1:4000'),
  chains: z.array(z.string().min(1)).min(1),
  ratePerSecond: z.number().positive().max(100_000),
  clients: z.number().int().min(1).max(10_000),
  durationMs: z.number().int().positive().optional(),
  subscribe: z.array(z.unknown()).optional(),
  name: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  maxInFlight: z.number().int().positive().optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
})

const TICK_MS = 100
const OPEN = 1
let runs = 0

interface Client {
  id: string
  chain: string
  transport: 'http' | 'ws'
  socket: WebSocketLike | undefined
  pending: Map<number, TimerHandle>
}

/**
 * Starts simulated clients that send JSON-RPC to `baseUrl` at `ratePerSecond` over HTTP and/or
 * WebSocket, for the demo's Live Test tab and its ambient traffic. It is bounded three ways: at most
 * `maxInFlight` requests pending (excess is skipped, not queued), a per-request timeout, and
 * `durationMs` (when given), after which it stops by itself. Each HTTP client publishes `connections`
 * events (`kind: 'client'`) as it starts and stops; the server announces the WebSocket clients.
 *
 * @throws {Error} when an option is out of range (the HTTP layer validates before calling).
 * @example
 * const load = createLoadGenerator({ baseUrl: 'http://127.0.0.1:4000', chains: ['ethereum'], ratePerSecond: 50, clients: 5, durationMs: 60_000 })
 * console.log((await load.done).ok)
 */
export function createLoadGenerator(options: LoadGeneratorOptions): LoadGenerator {
  optionsSchema.parse(options)
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => fetch(url, init))
  const WebSocketImpl = options.WebSocket ?? (NodeWebSocket as unknown as WebSocketConstructor)
  const transports = options.transports?.length ? options.transports : ['http' as const]
  const mix = (options.methods?.length ? options.methods : defaultLoadMix).map((entry) => ({
    ...entry,
    weight: entry.weight ?? 1,
  }))
  const totalWeight = mix.reduce((sum, entry) => sum + entry.weight, 0)
  const maxInFlight = options.maxInFlight ?? options.clients * 8
  const timeoutMs = options.requestTimeoutMs ?? 10_000
  const wsBase = options.baseUrl.replace(/^http/, 'ws')
  const run = ++runs

  const startedAt = clock.now()
  const status: LoadStatus = {
    running: true,
    startedAt,
    endsAt: options.durationMs === undefined ? null : startedAt + options.durationMs,
    ratePerSecond: options.ratePerSecond,
    clients: options.clients,
    transports: [...transports],
    sent: 0,
    ok: 0,
    errors: 0,
    timeouts: 0,
    skipped: 0,
    notifications: 0,
    inFlight: 0,
    stopReason: undefined,
  }
  let resolveDone!: (status: LoadStatus) => void
  const done = new Promise<LoadStatus>((resolve) => {
    resolveDone = resolve
  })
  const controllers = new Set<AbortController>()
  let nextRequestId = 1
  let budget = 0
  let cursor = 0
  let tickTimer: TimerHandle | undefined

  // HTTP clients only: the server's /ws/rpc route announces every WebSocket client itself, and
  // announcing them here too counted each twice on the dashboard.
  const announce = (client: Client, state: 'connected' | 'disconnected') =>
    options.pubsub?.publish('connections', {
      kind: 'client',
      chain: client.chain,
      id: client.id,
      state,
      transport: client.transport,
    })

  function pickMethod(): LoadMethod {
    let draw = random() * totalWeight
    for (const entry of mix) {
      draw -= entry.weight
      if (draw < 0) return entry
    }
    return mix[mix.length - 1]!
  }

  function settle(outcome: 'ok' | 'error' | 'timeout'): void {
    status.inFlight--
    // Requests abandoned by stop() settle later; they are not the server's errors.
    if (!status.running) return
    if (outcome === 'ok') status.ok++
    else if (outcome === 'error') status.errors++
    else status.timeouts++
  }

  function openSocket(client: Client): void {
    const socket = new WebSocketImpl(`${wsBase}/ws/rpc/${encodeURIComponent(client.chain)}`)
    client.socket = socket
    let opened = false
    socket.onopen = () => {
      opened = true
      if (!status.running) return
      // Sent once, outside the rate: the answer settles like any request; notifications carry no id.
      if (options.subscribe) {
        const id = nextRequestId++
        status.sent++
        status.inFlight++
        sendWs(
          client,
          id,
          JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_subscribe', params: options.subscribe }),
        )
      }
    }
    socket.onmessage = ((event: { data: unknown }) => {
      let message: { id?: unknown; error?: unknown; method?: unknown }
      try {
        message = JSON.parse(String(event.data)) as typeof message
      } catch {
        return
      }
      if (message.method === 'eth_subscription') {
        if (status.running) status.notifications++
        return
      }
      const timer = typeof message.id === 'number' ? client.pending.get(message.id) : undefined
      if (timer === undefined) return
      clock.clearTimeout(timer)
      client.pending.delete(message.id as number)
      settle(message.error === undefined ? 'ok' : 'error')
    }) as never
    socket.onerror = () => {}
    socket.onclose = () => {
      const ours = client.socket === socket
      client.socket = undefined
      if (ours && !opened && status.running) status.errors++
      for (const timer of client.pending.values()) {
        clock.clearTimeout(timer)
        settle('error')
      }
      client.pending.clear()
    }
  }

  const clients: Client[] = Array.from({ length: options.clients }, (_, index) => ({
    id: `${options.name ?? 'load'}-${run}-${index + 1}`,
    chain: options.chains[index % options.chains.length]!,
    transport: transports[index % transports.length]!,
    socket: undefined,
    pending: new Map(),
  }))
  for (const client of clients) {
    if (client.transport === 'ws') openSocket(client)
    else announce(client, 'connected')
  }

  function sendHttp(client: Client, body: string): void {
    const controller = new AbortController()
    controllers.add(controller)
    let timedOut = false
    const timer = clock.setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    fetchImpl(`${options.baseUrl}/rpc/${encodeURIComponent(client.chain)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: controller.signal,
    })
      .then(async (response) => {
        const json = (await response.json()) as { error?: unknown }
        return response.ok && json.error === undefined
      })
      .then(
        (ok) => settle(ok ? 'ok' : 'error'),
        () => settle(timedOut ? 'timeout' : 'error'),
      )
      .finally(() => {
        clock.clearTimeout(timer)
        controllers.delete(controller)
      })
  }

  function sendWs(client: Client, id: number, body: string): void {
    const socket = client.socket!
    client.pending.set(
      id,
      clock.setTimeout(() => {
        client.pending.delete(id)
        settle('timeout')
      }, timeoutMs),
    )
    socket.send(body)
  }

  function sendOne(): void {
    const client = clients[cursor]!
    cursor = (cursor + 1) % clients.length
    if (status.inFlight >= maxInFlight || (client.transport === 'ws' && client.socket?.readyState !== OPEN)) {
      status.skipped++
      return
    }
    const entry = pickMethod()
    const id = nextRequestId++
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: entry.method, params: entry.params ?? [] })
    status.sent++
    status.inFlight++
    if (client.transport === 'http') sendHttp(client, body)
    else sendWs(client, id, body)
  }

  function tick(): void {
    tickTimer = undefined
    if (!status.running) return
    // Each tick adds one tick's worth whatever time really passed, so a stalled event loop slows the run
    // instead of releasing a burst afterwards. The fraction below one request carries over (a cap at one
    // tick's worth dropped it: 4/s sent 3.3/s, 15/s sent 10/s), and ten additions of 0.1 make
    // 0.9999999999999999, hence the tolerance.
    budget += (options.ratePerSecond * TICK_MS) / 1_000
    while (budget >= 1 - 1e-9) {
      budget--
      sendOne()
    }
    if (status.endsAt !== null && clock.now() >= status.endsAt) finish('duration')
    else tickTimer = clock.setTimeout(tick, TICK_MS)
  }

  function finish(reason: 'duration' | 'stopped'): void {
    if (!status.running) return
    status.running = false
    status.stopReason = reason
    status.endsAt = Math.min(status.endsAt ?? Number.POSITIVE_INFINITY, clock.now())
    if (tickTimer !== undefined) clock.clearTimeout(tickTimer)
    for (const controller of controllers) controller.abort()
    for (const client of clients) {
      for (const timer of client.pending.values()) clock.clearTimeout(timer)
      status.inFlight -= client.pending.size
      client.pending.clear()
      if (client.socket) {
        const socket = client.socket
        client.socket = undefined
        socket.close(1000, 'load generator stopped')
      }
      if (client.transport === 'http') announce(client, 'disconnected')
    }
    resolveDone({ ...status })
  }

  tickTimer = clock.setTimeout(tick, TICK_MS)

  return {
    status: () => ({ ...status }),
    stop: () => finish('stopped'),
    done,
  }
}
