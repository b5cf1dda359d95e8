import type { Clock } from '../../clock/clock.js'
import { createHttpTransport, type FetchLike, type HttpTransport } from '../../transport/http-transport.js'
import type { JsonRpcResponse } from '../../transport/json-rpc.js'
import {
  createWsTransport,
  type WebSocketConstructor,
  type WsTransport,
} from '../../transport/ws-transport.js'

/** Connection state of an upstream's push channel, as the dashboard shows it. */
export type UpstreamConnectionState = 'connecting' | 'connected' | 'disconnected'

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
  request(method: string, params: unknown, options: UpstreamRequestOptions): Promise<JsonRpcResponse>
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

/** Upstream response bodies by the response parsed from them, for exact pass-through of results. */
const rawBodies = new WeakMap<JsonRpcResponse, string>()

/** The body text a response was parsed from, when its upstream kept it (HTTP does). */
export function rawBodyOf(response: JsonRpcResponse): string | undefined {
  return rawBodies.get(response)
}

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
        rawBodies.set(response, text)
        return response
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
