import WebSocket from 'ws'
import type { JsonRpcResponse } from '../rpc/json-rpc.js'

/** A minimal JSON-RPC WebSocket client for tests: requests by id, notifications by subscription. */
export interface TestWsClient {
  readonly socket: WebSocket
  /** Every notification result, per subscription id, in arrival order, with its arrival time. */
  readonly notifications: Map<string, { at: number; result: unknown }[]>
  /** Resolves with the close code once the connection closes. */
  readonly closed: Promise<number>
  request(method: string, params?: unknown[]): Promise<JsonRpcResponse>
  /** `eth_subscribe` and return the subscription id. @throws {Error} on a JSON-RPC error */
  subscribe(params: unknown[]): Promise<string>
  close(): Promise<void>
}

/** Opens a test client; rejects when the connection fails. */
export async function connectWs(url: string): Promise<TestWsClient> {
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  socket.on('error', () => {})
  const pending = new Map<number, (response: JsonRpcResponse) => void>()
  const notifications = new Map<string, { at: number; result: unknown }[]>()
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
  let nextId = 1
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as JsonRpcResponse & {
      params?: { subscription: string; result: unknown }
    }
    if (message.params) {
      const list = notifications.get(message.params.subscription) ?? []
      list.push({ at: performance.now(), result: message.params.result })
      notifications.set(message.params.subscription, list)
      return
    }
    pending.get(Number(message.id))?.(message)
  })
  const request = (method: string, params: unknown[] = []) =>
    new Promise<JsonRpcResponse>((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  return {
    socket,
    notifications,
    closed,
    request,
    async subscribe(params) {
      const response = await request('eth_subscribe', params)
      if (response.error) throw new Error(`eth_subscribe failed: ${response.error.message}`)
      const id = String(response.result)
      if (!notifications.has(id)) notifications.set(id, [])
      return id
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return
      socket.terminate()
      await closed
    },
  }
}
