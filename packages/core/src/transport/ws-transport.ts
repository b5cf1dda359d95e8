import { WebSocket as IsomorphicWebSocket } from 'isows'
import { onAbort } from '../abort/on-abort.js'
import { type Clock, systemClock, type TimerHandle } from '../clock/clock.js'
import { startDeadline } from '../clock/deadline.js'
import {
  AbortedError,
  MalformedResponseError,
  type UpstreamError,
  UpstreamRpcError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import { redactUrl } from '../errors/redact.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema } from '../validation/schemas.js'
import { type BackoffOptions, backoffDelay } from './backoff.js'
import { classifyRpcError, isJsonRpcResponse, type JsonRpcResponse } from './json-rpc.js'
import { urlSchema } from './options.js'
import { createSecretScrubber, scrubCause, scrubRpcErrors } from './secrets.js'

/**
 * The part of the WebSocket API the transport uses: the browser's `WebSocket`, Node 22+'s global one
 * and `ws` all fit. Handlers are typed loosely (`never`) so every implementation's event types do.
 */
export interface WebSocketLike {
  readonly readyState: number
  binaryType: string
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** A WebSocket class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/**
 * Lifecycle of a {@link WsTransport}:
 * `idle` (nothing opened yet) → `connecting` (first attempt) → `open` → `reconnecting` (waiting for
 * backoff, or re-attempting) → `open` … and `closed` (after `close()`, final).
 */
export type WsTransportState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

/** What {@link WsTransport.onStateChange} listeners receive. */
export interface WsStateChange {
  state: WsTransportState
  previous: WsTransportState
  /** On `reconnecting`: why the connection (or attempt) ended, e.g. `socket closed (1006)`. */
  reason?: string
  /** On `reconnecting`: consecutive failed or short-lived connections so far, 1 for the first. */
  attempt?: number
  /** On `reconnecting`: how long (ms) until the next attempt. */
  delayMs?: number
}

/**
 * Reconnection policy of {@link createWsTransport}. The delay grows with each attempt that fails and
 * each connection that ends before it proved useful; it starts again from `initialDelayMs` once a
 * connection delivers a subscription notification or answers one of the caller's calls, or stays open
 * `stableAfterMs`. An upstream that accepts sockets and drops them before serving anything is thus
 * backed off, while one that drops every so often in the middle of useful traffic is reconnected at
 * once each time.
 */
export interface WsReconnectOptions extends BackoffOptions {
  /**
   * A connection that stayed open this long (ms) counts as working even without traffic: the next
   * reconnect starts again from `initialDelayMs`.
   */
  stableAfterMs: number
}

/** Options of {@link createWsTransport}. */
export interface WsTransportOptions {
  /** The upstream's `ws://` or `wss://` URL. It may hold an API key: it is only ever shown redacted. */
  url: string
  /** Time source for every timer (connect, request, heartbeat, backoff). @default systemClock */
  clock?: Clock
  /** The WebSocket class. @default isows' WebSocket (native where the runtime has one, else `ws`) */
  WebSocket?: WebSocketConstructor
  /** Ping when nothing was received for this long (ms); 0 disables the heartbeat. @default 30_000 */
  heartbeatIntervalMs?: number
  /** A ping unanswered for this long (ms) closes the socket and reconnects. @default 10_000 */
  heartbeatTimeoutMs?: number
  /** The cheap call used as a ping. @default 'eth_chainId' */
  heartbeatMethod?: string
  /**
   * Backoff between attempts.
   * @default { initialDelayMs: 500, maxDelayMs: 10_000, multiplier: 2, jitter: 0.5, stableAfterMs: 5_000 }
   */
  reconnect?: Partial<WsReconnectOptions>
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number
  /** Default per-request timeout (ms). @default 10_000 */
  requestTimeoutMs?: number
  /** An attempt that is not open after this long (ms) is abandoned and retried. @default 10_000 */
  connectTimeoutMs?: number
  /** The provider's id, copied into every error. */
  providerId?: string
  /** Called when a notification, hook or state listener throws. @default logs with console.error */
  onListenerError?: (error: unknown) => void
}

/** Per-call options of {@link WsTransport.request}. */
export interface WsRequestOptions {
  /** The caller's signal; aborting it rejects with {@link AbortedError}. */
  signal?: AbortSignal | undefined
  /** Overrides `requestTimeoutMs` for this call. */
  timeoutMs?: number | undefined
}

/** What {@link WsSubscribeOptions.onResubscribed} receives. */
export interface WsResubscribed {
  /** The local subscription id (unchanged). */
  id: string
  /** The upstream's new subscription id. */
  upstreamId: string
  /** The upstream id before the connection dropped. */
  previousUpstreamId: string | undefined
}

/** Options of {@link WsTransport.subscribe}. */
export interface WsSubscribeOptions extends WsRequestOptions {
  /**
   * Called after a reconnect re-established the subscription, before any notification of the new
   * upstream subscription is delivered. Events between the drop and now were missed: back-fill them.
   */
  onResubscribed?: (event: WsResubscribed) => void
  /** Called when re-subscribing after a reconnect was refused; the subscription has then ended. */
  onError?: (error: UpstreamError) => void
}

/** A live subscription. */
export interface WsSubscription {
  /** Local id, stable across reconnects. */
  readonly id: string
  /** The upstream's current subscription id; `undefined` while disconnected. */
  readonly upstreamId: string | undefined
  /** Stops delivery at once and sends `eth_unsubscribe` when connected. Never rejects. */
  unsubscribe(): Promise<void>
}

/** Counters of a {@link WsTransport}. */
export interface WsTransportStats {
  /** Frames that were not JSON or matched no pending request or subscription. */
  ignoredFrames: number
  /** Connections opened after the first one. */
  reconnects: number
}

/**
 * A JSON-RPC client for one upstream over a WebSocket: request/response correlation by id,
 * subscriptions that survive reconnects under a stable local id, a heartbeat that detects silent
 * connections, and reconnection with exponential backoff and jitter.
 */
export interface WsTransport {
  readonly kind: 'ws'
  /** The upstream URL, redacted. */
  readonly url: string
  readonly providerId: string | undefined
  /** The current lifecycle state. */
  readonly state: WsTransportState
  /**
   * Opens the connection if idle (or retries now if waiting for backoff). Resolves when a connection is
   * open; rejects with UPSTREAM_UNAVAILABLE when that attempt fails — the transport keeps retrying in
   * the background.
   * @throws {UpstreamUnavailableError} the attempt failed or the transport was closed.
   */
  connect(): Promise<void>
  /**
   * Sends one call and resolves with its response (JSON-RPC errors resolve too; the response's `id` is
   * the transport's own). An idle transport connects first; a call made while an attempt is under way
   * waits for it; while waiting out a backoff, calls fail fast so the pool can try elsewhere.
   * @throws {UpstreamUnavailableError} not connected, or the socket closed before the answer.
   * @throws {UpstreamTimeoutError} no answer within the timeout.
   * @throws {AbortedError} the caller's signal aborted.
   */
  request(method: string, params?: unknown, options?: WsRequestOptions): Promise<JsonRpcResponse>
  /**
   * Sends `eth_subscribe` with `params` and routes the upstream's notifications (their `result`) to
   * `onNotification`. After every reconnect the transport subscribes again — new upstream id, same local
   * id — and calls `onResubscribed`.
   * @throws {UpstreamRpcError} the upstream refused the subscription (e.g. method not supported).
   * @throws {MalformedResponseError} the answer carried no subscription id.
   * @throws like {@link WsTransport.request} otherwise.
   */
  subscribe(
    params: readonly unknown[],
    onNotification: (result: unknown) => void,
    options?: WsSubscribeOptions,
  ): Promise<WsSubscription>
  /** Calls `listener` on every state change; returns a function that removes it. */
  onStateChange(listener: (change: WsStateChange) => void): () => void
  /** Counters, for diagnostics. */
  stats(): WsTransportStats
  /** Closes the socket, rejects pending calls, ends subscriptions and cancels every timer. Final. */
  close(): void
}

const nonnegativeMs = v.number().check(v.nonnegative())
const positiveMs = v.number().check(v.positive())
const optionsSchema = v.strictObject({
  url: urlSchema(['ws:', 'wss:']),
  clock: v.optional(clockSchema),
  WebSocket: v.optional(functionSchema<WebSocketConstructor>()),
  heartbeatIntervalMs: v._default(nonnegativeMs, 30_000),
  heartbeatTimeoutMs: v._default(positiveMs, 10_000),
  heartbeatMethod: v._default(v.string().check(v.minLength(1)), 'eth_chainId'),
  reconnect: v._default(
    v.strictObject({
      initialDelayMs: v._default(nonnegativeMs, 500),
      // A bound, not a politeness delay: once an upstream is back, it rejoins within this long; one
      // attempt per 10 s per provider costs nothing.
      maxDelayMs: v._default(nonnegativeMs, 10_000),
      multiplier: v._default(v.number().check(v.gte(1)), 2),
      jitter: v._default(v.number().check(v.gte(0), v.lte(1)), 0.5),
      // Traffic proves a connection useful sooner; this covers connections that are quiet but open.
      stableAfterMs: v._default(nonnegativeMs, 5_000),
    }),
    { initialDelayMs: 500, maxDelayMs: 10_000, multiplier: 2, jitter: 0.5, stableAfterMs: 5_000 },
  ),
  random: v.optional(functionSchema<() => number>()),
  requestTimeoutMs: v._default(positiveMs, 10_000),
  connectTimeoutMs: v._default(positiveMs, 10_000),
  providerId: v.optional(v.string().check(v.minLength(1))),
  onListenerError: v.optional(functionSchema<(error: unknown) => void>()),
})

interface Pending {
  /** Called synchronously with the frame's response, so follow-up frames see its effects. */
  answer(response: JsonRpcResponse): void
  fail(error: UpstreamError): void
  text: string
  sent: boolean
  /** The transport's own call (re-subscribe, heartbeat, release): its answer proves nothing about use. */
  internal: boolean
}

interface Subscription {
  id: string
  params: readonly unknown[]
  upstreamId: string | undefined
  previousUpstreamId: string | undefined
  onNotification: (result: unknown) => void
  onResubscribed: ((event: WsResubscribed) => void) | undefined
  onError: ((error: UpstreamError) => void) | undefined
  active: boolean
}

const FORCED_CLOSE_CODE = 4000
const decoder = new TextDecoder()

function logListenerError(error: unknown): void {
  console.error('ChainPulse: a WebSocket transport listener threw', error)
}

/**
 * Creates a WebSocket transport for one upstream. Nothing is opened until `connect()`, `request()` or
 * `subscribe()` is called.
 *
 * @throws {ConfigError} when an option is invalid (the message never shows the URL).
 * @example
 * const ws = createWsTransport({ url: 'wss://mainnet.infura.io/ws/v3/KEY', providerId: 'infura' })
 * const heads = await ws.subscribe(['newHeads'], (head) => console.log(head), {
 *   onResubscribed: () => backfillMissedBlocks(),
 * })
 * // later
 * await heads.unsubscribe()
 * ws.close()
 */
export function createWsTransport(options: WsTransportOptions): WsTransport {
  const parsed = parseOptions(optionsSchema, options, 'WebSocket transport options')
  const rawUrl = parsed.url
  const clock = parsed.clock ?? systemClock
  const WebSocketClass: WebSocketConstructor = parsed.WebSocket ?? IsomorphicWebSocket
  const random = parsed.random ?? Math.random
  const onListenerError = parsed.onListenerError ?? logListenerError
  const { providerId, reconnect, heartbeatIntervalMs } = parsed
  const scrub = createSecretScrubber(rawUrl)
  // Errors get the display form only: the raw URL never leaves this closure (and the socket).
  const shownUrl = redactUrl(rawUrl)
  const context = { providerId, url: shownUrl }

  let state: WsTransportState = 'idle'
  let socket: WebSocketLike | undefined
  let socketOpen = false
  let everOpened = false
  let openedAt = 0
  let lastFrameAt = 0
  let failures = 0
  /** Cancels the deadline of the connection being opened. */
  let cancelConnect: (() => void) | undefined
  let reconnectTimer: TimerHandle | undefined
  let heartbeatTimer: TimerHandle | undefined
  let nextRequestId = 1
  let nextSubscriptionId = 1
  const pending = new Map<number, Pending>()
  const subscriptions = new Map<string, Subscription>()
  const byUpstreamId = new Map<string, Subscription>()
  const connectWaiters: Array<{ resolve: () => void; reject: (error: UpstreamError) => void }> = []
  const stateListeners = new Set<(change: WsStateChange) => void>()
  const counters: WsTransportStats = { ignoredFrames: 0, reconnects: 0 }

  const unavailable = (reason: string) => new UpstreamUnavailableError({ ...context, reason })

  function guarded<T>(listener: ((value: T) => void) | undefined, value: T): void {
    if (!listener) return
    try {
      listener(value)
    } catch (error) {
      onListenerError(error)
    }
  }

  function setState(next: WsTransportState, extra: Omit<WsStateChange, 'state' | 'previous'> = {}): void {
    const previous = state
    if (previous === next && next !== 'reconnecting') return
    state = next
    const change: WsStateChange = { state: next, previous, ...extra }
    for (const listener of [...stateListeners]) guarded(listener, change)
  }

  function clearTimer(handle: TimerHandle | undefined): undefined {
    if (handle !== undefined) clock.clearTimeout(handle)
    return undefined
  }

  function cancelDeadline(cancel: (() => void) | undefined): undefined {
    cancel?.()
    return undefined
  }

  // ── Connection lifecycle ────────────────────────────────────────────────────────────────────────

  function openSocket(): void {
    reconnectTimer = clearTimer(reconnectTimer)
    if (state === 'idle') setState('connecting')
    let created: WebSocketLike
    try {
      created = new WebSocketClass(rawUrl)
    } catch (error) {
      // Some runtimes throw synchronously (bad URL, blocked port); their message may quote the URL.
      const cause = scrubCause(error, scrub)
      lostConnection(
        undefined,
        `could not create socket (${cause instanceof Error ? cause.message : 'unknown'})`,
      )
      return
    }
    socket = created
    socketOpen = false
    try {
      created.binaryType = 'arraybuffer'
    } catch {
      // Not every implementation lets it be set; text frames are what JSON-RPC uses anyway.
    }
    // Handlers stay attached for the socket's whole life and ignore it once it is stale: `ws` throws on
    // an 'error' event without a listener, which closing a half-open socket can emit.
    created.onopen = () => {
      if (created === socket) opened()
    }
    created.onmessage = ((event: { data: unknown }) => {
      if (created === socket) received(event.data)
    }) as (event: never) => void
    created.onclose = ((event: { code?: number; reason?: string }) => {
      if (created !== socket) return
      const why = event.reason ? `: ${scrub(String(event.reason)).slice(0, 100)}` : ''
      lostConnection(created, `socket closed (${event.code ?? 'unknown'}${why})`)
    }) as (event: never) => void
    created.onerror = () => {
      if (created === socket) lostConnection(created, socketOpen ? 'socket error' : 'connection failed')
    }
    // A deadline, not a bare timer: a handshake answered while this process was blocked is not a timeout.
    cancelConnect = startDeadline(clock, parsed.connectTimeoutMs, () => {
      cancelConnect = undefined
      if (created === socket && !socketOpen) lostConnection(created, 'connect timeout')
    })
  }

  function opened(): void {
    cancelConnect = cancelDeadline(cancelConnect)
    socketOpen = true
    openedAt = clock.now()
    lastFrameAt = openedAt
    if (everOpened) counters.reconnects++
    everOpened = true
    const current = socket
    setState('open')
    // A state listener may have closed the transport (or lost the socket) already.
    if (current !== socket) return
    for (const waiter of connectWaiters.splice(0)) waiter.resolve()
    for (const entry of pending.values()) if (!entry.sent) transmit(entry)
    for (const subscription of subscriptions.values()) resubscribe(subscription)
    scheduleHeartbeat(heartbeatIntervalMs)
  }

  /** The one place a connection (or attempt) ends, whoever noticed first; schedules the next attempt. */
  function lostConnection(lost: WebSocketLike | undefined, reason: string): void {
    if (lost !== socket) return
    const wasOpen = socketOpen
    socket = undefined
    socketOpen = false
    cancelConnect = cancelDeadline(cancelConnect)
    heartbeatTimer = clearTimer(heartbeatTimer)
    if (lost) forceClose(lost, reason)
    failAll(reason)
    if (state === 'closed') return
    if (wasOpen && clock.now() - openedAt >= reconnect.stableAfterMs) failures = 0
    const delayMs = backoffDelay(failures, reconnect, random)
    failures++
    reconnectTimer = clock.setTimeout(openSocket, delayMs)
    setState('reconnecting', { reason, attempt: failures, delayMs })
  }

  /**
   * The open connection served real traffic (a notification, or the answer to a caller's call): it
   * works, so the next drop reconnects from `initialDelayMs`. Waiting for `stableAfterMs` instead would
   * let upstreams that drop every few seconds push the delay ever higher while they are in fact serving.
   */
  function servedTraffic(): void {
    failures = 0
  }

  function failAll(reason: string): void {
    const error = unavailable(reason)
    const entries = [...pending.values()]
    pending.clear()
    for (const entry of entries) entry.fail(error)
    for (const waiter of connectWaiters.splice(0)) waiter.reject(error)
    byUpstreamId.clear()
    for (const subscription of subscriptions.values()) {
      subscription.previousUpstreamId = subscription.upstreamId ?? subscription.previousUpstreamId
      subscription.upstreamId = undefined
    }
  }

  function forceClose(target: WebSocketLike, reason: string): void {
    try {
      // `ws` offers terminate(), which drops a dead peer at once instead of waiting for its close frame.
      const terminate = (target as { terminate?: () => void }).terminate
      if (typeof terminate === 'function') terminate.call(target)
      else target.close(FORCED_CLOSE_CODE, reason.slice(0, 100))
    } catch {
      // Already closed.
    }
  }

  // ── Frames ──────────────────────────────────────────────────────────────────────────────────────

  function received(data: unknown): void {
    lastFrameAt = clock.now()
    let text: string
    if (typeof data === 'string') text = data
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) text = decoder.decode(data)
    else {
      counters.ignoredFrames++
      return
    }
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      counters.ignoredFrames++
      return
    }
    if (Array.isArray(message)) for (const item of message) dispatch(item)
    else dispatch(message)
  }

  function dispatch(message: unknown): void {
    if (isJsonRpcResponse(message)) {
      const entry = typeof message.id === 'number' ? pending.get(message.id) : undefined
      if (!entry) {
        counters.ignoredFrames++
        return
      }
      pending.delete(message.id as number)
      if (!entry.internal) servedTraffic()
      // An error answer may echo the key the socket was opened with.
      entry.answer('error' in message ? scrubRpcErrors(message, scrub) : message)
      return
    }
    const notification = message as {
      method?: unknown
      params?: { subscription?: unknown; result?: unknown }
    }
    const subscriptionId = notification?.params?.subscription
    const subscription =
      notification?.method === 'eth_subscription' && typeof subscriptionId === 'string'
        ? byUpstreamId.get(subscriptionId)
        : undefined
    if (!subscription) {
      counters.ignoredFrames++
      return
    }
    servedTraffic()
    guarded(subscription.onNotification, notification.params?.result)
  }

  function transmit(entry: Pending): void {
    try {
      socket?.send(entry.text)
      entry.sent = true
    } catch (error) {
      entry.fail(
        new UpstreamUnavailableError({ ...context, reason: 'send failed', cause: scrubCause(error, scrub) }),
      )
    }
  }

  // ── Calls ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a call and sends it when the socket is open. `onAnswer` runs synchronously with the
   * response frame (before the promise settles), so state it sets is in place for the next frame.
   */
  function call(
    method: string,
    params: unknown,
    callOptions: WsRequestOptions,
    onAnswer?: (response: JsonRpcResponse) => void,
    internal = false,
  ): Promise<JsonRpcResponse> {
    const { signal } = callOptions
    if (state === 'closed') return Promise.reject(unavailable('transport closed'))
    if (signal?.aborted) return Promise.reject(new AbortedError({ ...context, cause: signal.reason }))
    if (state === 'idle') openSocket()
    else if (socket === undefined) return Promise.reject(unavailable('not connected (waiting to reconnect)'))
    const timeoutMs = callOptions.timeoutMs ?? parsed.requestTimeoutMs
    const id = nextRequestId++
    const message: { jsonrpc: '2.0'; id: number; method: string; params?: unknown } = {
      jsonrpc: '2.0',
      id,
      method,
    }
    if (params !== undefined) message.params = params

    return new Promise((resolve, reject) => {
      const cleanup = () => {
        cancelDeadline()
        stopWaitingForAbort?.()
      }
      const abortCall = () => {
        if (!pending.delete(id)) return
        cleanup()
        reject(new AbortedError({ ...context, cause: signal?.reason }))
      }
      const cancelDeadline = startDeadline(clock, timeoutMs, () => {
        if (!pending.delete(id)) return
        cleanup()
        reject(new UpstreamTimeoutError({ ...context, timeoutMs }))
      })
      const stopWaitingForAbort = signal ? onAbort(signal, abortCall) : undefined
      const entry: Pending = {
        text: JSON.stringify(message),
        sent: false,
        internal,
        answer(response) {
          cleanup()
          try {
            onAnswer?.(response)
          } finally {
            resolve(response)
          }
        },
        fail(error) {
          pending.delete(id)
          cleanup()
          reject(error)
        },
      }
      pending.set(id, entry)
      if (socketOpen) transmit(entry)
    })
  }

  // ── Heartbeat ───────────────────────────────────────────────────────────────────────────────────

  function scheduleHeartbeat(delayMs: number): void {
    if (heartbeatIntervalMs === 0) return
    heartbeatTimer = clock.setTimeout(heartbeat, delayMs)
  }

  function heartbeat(): void {
    heartbeatTimer = undefined
    const pinged = socket
    if (!pinged || !socketOpen) return
    // Any frame proves the connection alive; only ping after a full quiet interval.
    const quietFor = clock.now() - lastFrameAt
    if (quietFor < heartbeatIntervalMs) {
      scheduleHeartbeat(heartbeatIntervalMs - quietFor)
      return
    }
    call(parsed.heartbeatMethod, [], { timeoutMs: parsed.heartbeatTimeoutMs }, undefined, true).then(
      () => {
        if (pinged === socket) scheduleHeartbeat(heartbeatIntervalMs)
      },
      (error: UpstreamError) => {
        if (error.code === 'UPSTREAM_TIMEOUT') lostConnection(pinged, 'heartbeat timeout')
      },
    )
  }

  // ── Subscriptions ───────────────────────────────────────────────────────────────────────────────

  /** Maps an eth_subscribe answer onto `subscription`; returns the error that ended it, if any. */
  function adopt(subscription: Subscription, response: JsonRpcResponse): UpstreamError | undefined {
    if ('error' in response) {
      return new UpstreamRpcError({
        ...context,
        rpcError: response.error,
        errorClass: classifyRpcError(response.error),
      })
    }
    if (typeof response.result !== 'string') {
      return new MalformedResponseError({
        ...context,
        reason: 'eth_subscribe answered without a subscription id',
      })
    }
    subscription.upstreamId = response.result
    byUpstreamId.set(response.result, subscription)
    return undefined
  }

  function resubscribe(subscription: Subscription): void {
    const on = socket
    call(
      'eth_subscribe',
      subscription.params,
      {},
      (response) => {
        if (!subscription.active) {
          // Unsubscribed while re-subscribing: release the upstream's new subscription.
          if ('result' in response && typeof response.result === 'string') release(response.result)
          return
        }
        const error = adopt(subscription, response)
        if (error) {
          end(subscription)
          guarded(subscription.onError, error)
          return
        }
        guarded(subscription.onResubscribed, {
          id: subscription.id,
          upstreamId: subscription.upstreamId as string,
          previousUpstreamId: subscription.previousUpstreamId,
        })
      },
      true,
    ).catch((error: UpstreamError) => {
      // A connection that cannot answer eth_subscribe is not serving us: start over (and re-subscribe
      // again). A closed socket needs nothing: the next open re-subscribes.
      if (error.code === 'UPSTREAM_TIMEOUT') lostConnection(on, 'resubscribe timeout')
    })
  }

  function release(upstreamId: string): void {
    call('eth_unsubscribe', [upstreamId], {}, undefined, true).catch(() => {
      // Best effort: the upstream drops every subscription of a socket when it closes.
    })
  }

  function end(subscription: Subscription): void {
    subscription.active = false
    subscriptions.delete(subscription.id)
    if (subscription.upstreamId !== undefined) byUpstreamId.delete(subscription.upstreamId)
    subscription.upstreamId = undefined
  }

  async function subscribe(
    params: readonly unknown[],
    onNotification: (result: unknown) => void,
    subscribeOptions: WsSubscribeOptions = {},
  ): Promise<WsSubscription> {
    const subscription: Subscription = {
      id: `sub-${nextSubscriptionId++}`,
      params: [...params],
      upstreamId: undefined,
      previousUpstreamId: undefined,
      onNotification,
      onResubscribed: subscribeOptions.onResubscribed,
      onError: subscribeOptions.onError,
      active: true,
    }
    let failure: UpstreamError | undefined
    await call('eth_subscribe', subscription.params, subscribeOptions, (response) => {
      failure = adopt(subscription, response)
      if (!failure) subscriptions.set(subscription.id, subscription)
    })
    if (failure) throw failure
    return {
      id: subscription.id,
      get upstreamId() {
        return subscription.upstreamId
      },
      async unsubscribe() {
        if (!subscription.active) return
        const upstreamId = subscription.upstreamId
        end(subscription)
        if (upstreamId === undefined || !socketOpen) return
        await call('eth_unsubscribe', [upstreamId], {}).catch(() => {
          // Delivery already stopped; the upstream forgets the subscription when the socket closes.
        })
      },
    }
  }

  // ── Public surface ──────────────────────────────────────────────────────────────────────────────

  function connect(): Promise<void> {
    if (state === 'closed') return Promise.reject(unavailable('transport closed'))
    if (socketOpen) return Promise.resolve()
    const waiting = new Promise<void>((resolve, reject) => connectWaiters.push({ resolve, reject }))
    if (socket === undefined) openSocket()
    return waiting
  }

  function close(): void {
    if (state === 'closed') return
    const current = socket
    cancelConnect = cancelDeadline(cancelConnect)
    reconnectTimer = clearTimer(reconnectTimer)
    heartbeatTimer = clearTimer(heartbeatTimer)
    setState('closed')
    socket = undefined
    socketOpen = false
    for (const subscription of [...subscriptions.values()]) end(subscription)
    failAll('transport closed')
    if (current) {
      try {
        current.close(1000, 'transport closed')
      } catch {
        // Already closing.
      }
    }
  }

  return {
    kind: 'ws',
    url: shownUrl,
    providerId,
    get state() {
      return state
    },
    connect,
    request: (method, params, requestOptions = {}) => call(method, params, requestOptions),
    subscribe,
    onStateChange(listener) {
      stateListeners.add(listener)
      return () => {
        stateListeners.delete(listener)
      }
    },
    stats: () => ({ ...counters }),
    close,
  }
}
