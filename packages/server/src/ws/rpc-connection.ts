import { setMaxListeners } from 'node:events'
import type { Clock, PoolRequestOptions, PoolSubscription, PoolSubscriptionKind } from '@chainpulse/core'
import type { FastifyBaseLogger } from 'fastify'
import type { RawData, WebSocket } from 'ws'
import { type CallOutcome, dispatchRpcBody } from '../json-rpc/dispatch.js'
import { parseRpcBody, type RpcCall } from '../json-rpc/parse-body.js'
import { callPool } from '../json-rpc/pool-call.js'
import { mapPoolError } from '../json-rpc/pool-errors.js'
import { methodNotAllowed, proxyError, type RpcErrorObject, rpcErrorCodes } from '../json-rpc/rpc-errors.js'
import type { ProxyPool } from '../proxy-pool.js'
import type { MethodFilter } from '../security/method-filter.js'
import type { Redactor } from '../security/redaction.js'
import { type InboundByteRate, throttleInbound } from './inbound-budget.js'
import type { NotificationFrames, SubscriptionIdSource } from './notification-frames.js'
import { parseSubscribeParams } from './subscribe-params.js'
import { sendTextFrame, type TextFrame } from './text-frame.js'
import { wsCloseCodes } from './websocket-support.js'

/** Where a connection's calls go: a chain, optionally with a strategy or a pinned provider. */
export interface WsRpcTarget {
  chain: string
  strategy?: string
  providerId?: string
}

/** Per-connection limits (from the server config's `rpc` and `ws` sections). */
export interface WsRpcLimits {
  maxBatchSize: number
  maxJsonDepth: number
  maxSubscriptionsPerConnection: number
  maxBufferedBytes: number
  maxPendingMessages: number
  rateLimit: false | { max: number; timeWindowMs: number }
  /** Incoming bytes per connection; past it the socket stops reading for a while. `false`: no budget. */
  inboundByteRate: false | InboundByteRate
}

/** Options of {@link serveWsRpcConnection}. */
export interface WsRpcConnectionOptions {
  socket: WebSocket
  pool: ProxyPool
  target: WsRpcTarget
  limits: WsRpcLimits
  /** Why a method is refused, or `undefined` when it may be called (see `createMethodFilter`). */
  refuseMethod: MethodFilter
  redact: Redactor
  log: FastifyBaseLogger
  /** Times the message rate limit window. */
  clock: Clock
  /**
   * Notification frames shared by every connection, so a block fanned out to N clients is serialised
   * once and, for clients sharing a subscription id, encoded and framed once.
   */
  frames: NotificationFrames
  /** This connection's subscription ids (see `createSubscriptionIdSource`). */
  nextSubscriptionId: SubscriptionIdSource
  /**
   * Who the calls are from, for the pool's per-client filters and sessions: the connection itself. All
   * its calls are one session.
   */
  clientId: string
}

/** A served connection, for the route that owns it. */
export interface WsRpcConnection {
  /** Client subscriptions currently held. */
  subscriptionCount(): number
  /** Releases every pool subscription and aborts calls in flight; safe to call more than once. */
  dispose(): void
}

/** The session key of a connection's calls; the connection's own `clientId` keeps it apart from others'. */
const CONNECTION_SESSION = 'connection'

interface ClientSubscription {
  readonly id: string
  pool: PoolSubscription | undefined
  /** False until the `eth_subscribe` answer is on the wire: a notification must never precede it. */
  ready: boolean
  queued: TextFrame[]
  /** Delivers one pool result; made once per subscription, not per notification. */
  readonly listener: (result: unknown) => void
}

/**
 * Serves JSON-RPC 2.0 on one WebSocket: each text (or binary, read as UTF-8) message is a request or a
 * batch, parsed and dispatched like an HTTP body (exact id echo, limits, the method filter), with
 * `eth_subscribe` / `eth_unsubscribe` served from the pool's exactly-once streams. Subscription ids are
 * this connection's own (`nextSubscriptionId`), so they survive upstream failover.
 *
 * Backpressure: after each send, a socket holding more than `maxBufferedBytes` unsent is closed with
 * 1008 and its subscriptions released, so a client that stops reading costs a bounded amount of memory.
 * The other way, a client sending more than `inboundByteRate` allows is read more slowly (see
 * `throttleInbound`), so one connection's parsing and answering cannot take the CPU other clients need.
 */
export function serveWsRpcConnection(options: WsRpcConnectionOptions): WsRpcConnection {
  const { socket, pool, target, limits, refuseMethod, redact, log, clock, frames, nextSubscriptionId } =
    options
  const parseLimits = { maxBatchSize: limits.maxBatchSize, maxDepth: limits.maxJsonDepth }
  const subscriptions = new Map<string, ClientSubscription>()
  const calls = new AbortController()
  // Every call in flight listens on this one signal; their number is bounded by the limits, not by 10.
  setMaxListeners(limits.maxPendingMessages * limits.maxBatchSize + 1, calls.signal)
  let disposed = false
  let pending = 0
  let windowStart = clock.now()
  let windowCount = 0

  const throttle = limits.inboundByteRate
    ? throttleInbound(socket, { ...limits.inboundByteRate, clock, onPause: logFirstPause })
    : undefined
  let throttled = false
  function logFirstPause(pauseMs: number, overdrawnBytes: number): void {
    if (throttled) return
    throttled = true
    log.info(
      { pauseMs, overdrawnBytes, inboundByteRate: limits.inboundByteRate },
      'pausing reads from a websocket client over its inbound byte rate (logged once per connection)',
    )
  }

  socket.on('message', (data, isBinary) => {
    // Counted even once disposed: a socket being closed is still read at the budget's pace.
    throttle?.received(byteLength(data))
    if (disposed) return
    void onMessage(textOf(data, isBinary)).catch((error: unknown) => {
      log.error({ err: error }, 'unexpected error answering a websocket message')
    })
  })

  async function onMessage(text: string): Promise<void> {
    if (disposed) return
    const parsed = parseRpcBody(text, parseLimits)
    const refusal = admit()
    if (refusal) {
      // Still answered per call, with each call's own id, so a client can match the refusal.
      const answer = await dispatchRpcBody(parsed, async () => refused(refusal))
      send(answer.body)
      return
    }
    pending++
    const created: ClientSubscription[] = []
    try {
      const answer = await dispatchRpcBody(parsed, (call) => execute(call, created), {
        onUnexpectedError: (error, call) =>
          log.error({ err: error, method: call.method }, 'unexpected error answering a call'),
      })
      send(answer.body)
    } finally {
      pending--
      // Subscriptions made by this message start delivering only now, after their ids were sent.
      for (const subscription of created) release(subscription)
    }
  }

  /** The error every call of a message gets when the message is over a limit, else `undefined`. */
  function admit(): RpcErrorObject | undefined {
    if (limits.rateLimit) {
      const now = clock.now()
      if (now - windowStart >= limits.rateLimit.timeWindowMs) {
        windowStart = now
        windowCount = 0
      }
      if (++windowCount > limits.rateLimit.max) {
        const retryAfterMs = Math.max(0, Math.ceil(windowStart + limits.rateLimit.timeWindowMs - now))
        return proxyError(
          rpcErrorCodes.limitExceeded,
          `Rate limit exceeded: at most ${limits.rateLimit.max} messages per ${limits.rateLimit.timeWindowMs} ms on one connection`,
          'RATE_LIMITED',
          { retryAfterMs },
        )
      }
    }
    if (pending >= limits.maxPendingMessages) {
      return proxyError(
        rpcErrorCodes.limitExceeded,
        `Too many messages in flight: at most ${limits.maxPendingMessages} on one connection; wait for answers`,
        'TOO_MANY_PENDING',
        { limit: limits.maxPendingMessages },
      )
    }
    return undefined
  }

  async function execute(call: RpcCall, created: ClientSubscription[]): Promise<CallOutcome> {
    const refusal = refuseMethod(call.method)
    if (refusal !== undefined) return refused(methodNotAllowed(call.method, refusal))
    if (call.method === 'eth_subscribe') return subscribe(call, created)
    if (call.method === 'eth_unsubscribe') return unsubscribe(call)
    const requestOptions: PoolRequestOptions = {
      signal: calls.signal,
      clientId: options.clientId,
      // Every call on one connection is one session: it stays on one provider while that is usable.
      session: CONNECTION_SESSION,
    }
    if (target.strategy !== undefined) requestOptions.strategy = target.strategy
    if (target.providerId !== undefined) requestOptions.providerId = target.providerId
    // The connection's logger already carries the chain.
    return callPool(pool, target.chain, call, requestOptions, { log, redact })
  }

  function subscribe(call: RpcCall, created: ClientSubscription[]): CallOutcome {
    // A subscription whose id the client never learns could only be ended by closing the socket.
    if (call.idRaw === undefined) return refused(invalidRequestNoId())
    const kind = parseSubscribeParams(call.params)
    if (typeof kind === 'object' && 'code' in kind) return refused(kind)
    if (subscriptions.size >= limits.maxSubscriptionsPerConnection) {
      return refused(
        proxyError(
          rpcErrorCodes.limitExceeded,
          `Subscription limit reached: at most ${limits.maxSubscriptionsPerConnection} per connection; eth_unsubscribe one first`,
          'SUBSCRIPTION_LIMIT',
          { limit: limits.maxSubscriptionsPerConnection },
        ),
      )
    }
    if (disposed)
      return refused(proxyError(rpcErrorCodes.internalError, 'Connection closed', 'CONNECTION_CLOSED'))
    const subscription: ClientSubscription = {
      id: nextSubscriptionId(),
      pool: undefined,
      ready: false,
      queued: [],
      listener: (result) => notify(subscription, result),
    }
    try {
      subscription.pool = subscribeToPool(kind as PoolSubscriptionKind, subscription.listener)
    } catch (thrown) {
      const mapped = mapPoolError(thrown, redact)
      if (mapped.unexpected) log.error({ err: thrown }, 'unexpected error subscribing')
      return refused(mapped.error)
    }
    subscriptions.set(subscription.id, subscription)
    created.push(subscription)
    return { ok: true, result: subscription.id, routing: noRouting }
  }

  function subscribeToPool(
    kind: PoolSubscriptionKind,
    listener: (result: unknown) => void,
  ): PoolSubscription {
    return kind === 'newHeads'
      ? pool.subscribe(target.chain, 'newHeads', listener)
      : pool.subscribe(target.chain, kind, listener)
  }

  function unsubscribe(call: RpcCall): CallOutcome {
    const id = Array.isArray(call.params) ? call.params[0] : undefined
    if (typeof id !== 'string') {
      return refused(proxyError(-32602, 'Invalid params: expected [subscriptionId]', 'INVALID_PARAMS'))
    }
    const subscription = subscriptions.get(id)
    // Unknown or already ended: `false`, as most providers answer, rather than an error a client must handle.
    if (!subscription) return { ok: true, result: false, routing: noRouting }
    end(subscription)
    return { ok: true, result: true, routing: noRouting }
  }

  // The hot path of a fan-out: one call per client per block, so no closures, promises or timers here.
  function notify(subscription: ClientSubscription, result: unknown): void {
    if (disposed || subscription.pool === undefined) return
    let frame: TextFrame
    try {
      frame = frames.frame(subscription.id, result)
    } catch (error) {
      log.error({ err: error }, 'a subscription result cannot be serialised')
      return
    }
    if (subscription.ready) sendFrame(frame)
    else subscription.queued.push(frame)
  }

  function release(subscription: ClientSubscription): void {
    subscription.ready = true
    const queued = subscription.queued
    subscription.queued = []
    for (const frame of queued) sendFrame(frame)
  }

  function end(subscription: ClientSubscription): void {
    subscriptions.delete(subscription.id)
    subscription.queued = []
    const poolSubscription = subscription.pool
    // Marks it ended for `notify`, which the pool may still call during the current fan-out.
    subscription.pool = undefined
    poolSubscription?.unsubscribe()
  }

  function send(text: string | undefined): void {
    if (text === undefined || disposed || socket.readyState !== socket.OPEN) return
    socket.send(text)
    checkBuffered()
  }

  /** Sends a notification frame (possibly shared with other connections). */
  function sendFrame(frame: TextFrame): void {
    if (disposed || socket.readyState !== socket.OPEN) return
    sendTextFrame(socket, frame)
    checkBuffered()
  }

  function checkBuffered(): void {
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      log.warn(
        { bufferedBytes: socket.bufferedAmount, limitBytes: limits.maxBufferedBytes },
        'closing a websocket client that does not read its messages',
      )
      // Released now, not on the close event: a client that does not read may not finish the handshake.
      dispose()
      socket.close(wsCloseCodes.policyViolation, 'slow consumer: too many unsent bytes')
    }
  }

  function dispose(): void {
    if (disposed) return
    disposed = true
    for (const subscription of [...subscriptions.values()]) end(subscription)
    calls.abort()
  }

  return { subscriptionCount: () => subscriptions.size, dispose }
}

/** Calls answered by the connection itself (subscriptions) reach no provider. */
const noRouting = { providerId: undefined, strategy: undefined, attempts: undefined }

function refused(error: RpcErrorObject): CallOutcome {
  return { ok: false, error, routing: undefined }
}

function invalidRequestNoId(): RpcErrorObject {
  return proxyError(
    rpcErrorCodes.invalidRequest,
    'Invalid request: eth_subscribe needs an id (a notification could never learn its subscription id)',
    'INVALID_REQUEST',
  )
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0)
  return data.byteLength
}

function textOf(data: RawData, _isBinary: boolean): string {
  // Binary frames are read as UTF-8 too: some clients send JSON that way, and JSON is text either way.
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
