import { WebSocket } from 'ws'

/** How long a test waits for something a real socket should do almost at once. */
const WAIT_BOUND_MS = 5_000

/** A `ws` client for tests that records every message and waits on conditions with a bound. */
export interface TestWsClient {
  readonly socket: WebSocket
  /** Every text message received, in order. */
  readonly texts: string[]
  /** Every message received, parsed. */
  readonly messages: unknown[]
  /** Sends a frame: a string as is, anything else as JSON. */
  send(frame: unknown): void
  /** Sends one call and resolves with the response whose `id` equals `id`. */
  call(method: string, params?: unknown, id?: string | number): Promise<RpcResponse>
  /** Resolves once `predicate` holds over the received messages; rejects after the bound. */
  until<T>(predicate: (messages: unknown[]) => T | undefined | false): Promise<T>
  /** Notifications received for one subscription id, results only. */
  notifications(subscription: string): unknown[]
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

/** A JSON-RPC response as the tests read it. */
export interface RpcResponse {
  jsonrpc: '2.0'
  id: unknown
  result?: unknown
  error?: { code: number; message: string; data?: { code?: string; [key: string]: unknown } }
}

interface Notification {
  method: 'eth_subscription'
  params: { subscription: string; result: unknown }
}

let nextId = 1

/** What the server answered to a WebSocket upgrade it refused. */
export interface RefusedUpgrade {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The response body, parsed as JSON. */
  body: unknown
}

/**
 * Attempts a WebSocket upgrade that the server should refuse, and resolves with its HTTP answer.
 * @throws {Error} when the upgrade succeeds instead (the socket is closed first).
 */
export function refusedUpgrade(url: string, options: { headers?: Record<string, string> } = {}) {
  const socket = new WebSocket(url, { headers: options.headers ?? {} })
  return new Promise<RefusedUpgrade>((resolve, reject) => {
    socket.once('unexpected-response', (request, response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
      })
      response.once('end', () => {
        // With this listener, ending the refused request is ours to do.
        request.destroy()
        try {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) })
        } catch (error) {
          reject(error)
        }
      })
      response.once('error', reject)
    })
    socket.once('open', () => {
      socket.terminate()
      reject(new Error(`the upgrade to ${url} was accepted`))
    })
    socket.once('error', (error) => {
      // 'unexpected-response' is emitted first; an error here means no HTTP answer at all.
      if (socket.listenerCount('unexpected-response') > 0) reject(error)
    })
  })
}

/**
 * Opens a WebSocket to `url` and resolves once it is open.
 * @throws {Error} `Unexpected server response: <status>` when the upgrade is refused.
 */
export async function openTestClient(
  url: string,
  options: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<TestWsClient> {
  const socket = new WebSocket(url, {
    headers: options.headers ?? {},
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  })
  const texts: string[] = []
  const messages: unknown[] = []
  const waiters = new Set<() => void>()
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  socket.on('message', (data) => {
    const text = data.toString()
    texts.push(text)
    messages.push(JSON.parse(text))
    for (const waiter of [...waiters]) waiter()
  })
  socket.on('error', () => {
    // Surfaced through `closed` or the open promise.
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`Unexpected server response: ${response.statusCode}`)),
    )
  })

  function until<T>(predicate: (messages: unknown[]) => T | undefined | false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = predicate(messages)
        if (value === undefined || value === false) return false
        waiters.delete(check)
        clearTimeout(timer)
        resolve(value)
        return true
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`condition not met within ${WAIT_BOUND_MS} ms; received ${texts.length} messages`))
      }, WAIT_BOUND_MS)
      waiters.add(check)
      check()
    })
  }

  const client: TestWsClient = {
    socket,
    texts,
    messages,
    send(frame) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
    },
    call(method, params, id = `c${nextId++}`) {
      client.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })
      return until((all) =>
        all.find(
          (message): message is RpcResponse =>
            typeof message === 'object' && message !== null && (message as RpcResponse).id === id,
        ),
      )
    },
    until,
    notifications(subscription) {
      return messages
        .filter(
          (message): message is Notification =>
            (message as Notification).method === 'eth_subscription' &&
            (message as Notification).params.subscription === subscription,
        )
        .map((message) => message.params.result)
    },
    closed,
    async close() {
      if (socket.readyState === socket.CLOSED) return
      socket.close()
      await closed
    },
  }
  return client
}
