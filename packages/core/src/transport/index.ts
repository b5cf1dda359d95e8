export { type BackoffOptions, backoffDelay } from './backoff.js'
export {
  createHttpTransport,
  type FetchLike,
  type HttpBatchResponse,
  type HttpRequestOptions,
  type HttpTransport,
  type HttpTransportOptions,
  type HttpTransportResult,
} from './http-transport.js'
export {
  classifyRpcError,
  type EthSubscriptionParams,
  isJsonRpcError,
  isJsonRpcErrorResponse,
  isJsonRpcResponse,
  type JsonRpcError,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcSuccess,
  type RpcErrorClass,
} from './json-rpc.js'
export { parseRetryAfter } from './retry-after.js'
export {
  createWsTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WsReconnectOptions,
  type WsRequestOptions,
  type WsResubscribed,
  type WsStateChange,
  type WsSubscribeOptions,
  type WsSubscription,
  type WsTransport,
  type WsTransportOptions,
  type WsTransportState,
  type WsTransportStats,
} from './ws-transport.js'
