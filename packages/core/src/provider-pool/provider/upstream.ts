import type { Clock } from '../../clock/clock.js'
import { createHttpTransport, type FetchLike, type HttpTransport } from '../../transport/http-transport.js'
import type { JsonRpcResponse } from '../../transport/json-rpc.js'
import { rawErrorOf, rawResultOf } from '../../transport/raw-result.js'
import {
  createWsTransport,
  type WebSocketConstructor,
  type WsTransport,
} from '../../transport/ws-transport.js'

/** Connection state of an upstream's push channel, as the dashboard shows it. */
export type UpstreamConnectionState = 'connecting' | 'connected' | 'disconnected'

/**
 * One upstream's answer: the parsed response and, when the upstream kept the body's text (HTTP does),
 * `raw`, the exact JSON text of its `result` or `error` member. A proxy relays `raw` byte for byte:
 * re-serialising would round integers beyond 2^53 and reorder integer-like keys.
 */
export type UpstreamResponse = JsonRpcResponse & { readonly raw?: string }

/** Options of one upstream call. */
export interface UpstreamRequestOptions {
  signal?: AbortSignal | undefined
  timeoutMs: number
}

/** A live upstream subscription (e.g. `newHeads`). */
export interface UpstreamSubscription {
  unsubscribe(): Promise<void>
}

/** Hooks of an upstream subscription. */
export interface UpstreamSubscribeHooks {
  /** The connection dropped and came back: events in between were missed. */
  onResubscribed?(): void
  /** The subscription ended for good (e.g. refused after a reconnect). */
  onError?(error: unknown): void
}

/**
 * What the pool needs from one provider. Built from URLs by {@link createUrlUpstream}, or supplied
 * directly (e.g. the in-memory mock provider of `@chainpulse/core/testing`).
 */
export interface Upstream {
  /**
   * Sends one JSON-RPC call. JSON-RPC error responses resolve; transport failures reject with an
   * `UpstreamError` subclass.
   */
  request(method: string, params: unknown, options: UpstreamRequestOptions): Promise<UpstreamResponse>
  /** Present when the provider can push events (WebSocket). */
  subscribe?(
    params: readonly unknown[],
    onNotification: (result: unknown) => void,
    hooks: UpstreamSubscribeHooks,
  ): Promise<UpstreamSubscription>
  /** Present with `subscribe`: reports the push channel's connection state. */
  onConnectionChange?(listener: (state: UpstreamConnectionState) => void): () => void
  /** Releases sockets and timers. */
  close(): void
}

/** Options of {@link createUrlUpstream}. */
export interface UrlUpstreamOptions {
  providerId: string
  httpUrl?: string | undefined
  wsUrl?: string | undefined
  clock: Clock
  fetch?: FetchLike | undefined
  WebSocket?: WebSocketConstructor | undefined
  random?: () => number
}

let nextRequestId = 1

/**
 * Builds an {@link Upstream} over a provider's URLs: calls go over HTTP when there is an `httpUrl`
 * (stateless, keep-alive, parallel), else over the WebSocket; subscriptions need a `wsUrl`.
 */
export function createUrlUpstream(options: UrlUpstreamOptions): Upstream {
  const http: HttpTransport | undefined = options.httpUrl
    ? createHttpTransport({
        url: options.httpUrl,
        providerId: options.providerId,
        clock: options.clock,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : undefined
  const ws: WsTransport | undefined = options.wsUrl
    ? createWsTransport({
        url: options.wsUrl,
        providerId: options.providerId,
        clock: options.clock,
        ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
        ...(options.random ? { random: options.random } : {}),
      })
    : undefined

  const upstream: Upstream = {
    async request(method, params, { signal, timeoutMs }) {
      if (http) {
        const payload = { jsonrpc: '2.0' as const, id: nextRequestId++, method, params: params ?? [] }
        const { response, text } = await http.request(payload, { signal, timeoutMs })
        const raw = 'error' in response ? rawErrorOf(text) : rawResultOf(text)
        return raw === undefined ? response : Object.assign(response, { raw })
      }
      return ws!.request(method, params ?? [], { signal, timeoutMs })
    },
    close() {
      ws?.close()
    },
  }
  if (ws) {
    upstream.subscribe = async (params, onNotification, hooks) => {
      const subscription = await ws.subscribe(params, onNotification, {
        onResubscribed: () => hooks.onResubscribed?.(),
        onError: (error) => hooks.onError?.(error),
      })
      return { unsubscribe: () => subscription.unsubscribe() }
    }
    upstream.onConnectionChange = (listener) =>
      ws.onStateChange(({ state }) => {
        if (state === 'open') listener('connected')
        else if (state === 'connecting') listener('connecting')
        else listener('disconnected')
      })
  }
  return upstream
}
