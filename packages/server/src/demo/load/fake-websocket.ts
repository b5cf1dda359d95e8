import type { WebSocketConstructor, WebSocketLike } from '@chainpulse/core'

/** One socket of {@link createFakeWebSocket}: what was sent, and hooks to drive it from a test. */
export interface FakeSocket extends WebSocketLike {
  readonly url: string
  /** Every message sent, parsed. */
  readonly sent: { id?: number; method: string; params: unknown[] }[]
  /** Completes the handshake (`onopen`). */
  open(): void
  /** Delivers a message as the server would (`onmessage`). */
  receive(message: unknown): void
}

/**
 * An in-memory WebSocket class for load generator tests: sockets open when the test says so, and every
 * request sent is answered at once with `result` (`eth_subscribe` with a subscription id).
 */
export function createFakeWebSocket(): { WebSocket: WebSocketConstructor; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = []
  class Fake implements FakeSocket {
    readyState = 0
    binaryType = 'blob'
    onopen: ((event: never) => void) | null = null
    onmessage: ((event: never) => void) | null = null
    onclose: ((event: never) => void) | null = null
    onerror: ((event: never) => void) | null = null
    readonly sent: FakeSocket['sent'] = []
    constructor(readonly url: string) {
      sockets.push(this)
    }
    open(): void {
      this.readyState = 1
      this.onopen?.({} as never)
    }
    receive(message: unknown): void {
      this.onmessage?.({ data: JSON.stringify(message) } as never)
    }
    send(data: string): void {
      const message = JSON.parse(data) as FakeSocket['sent'][number]
      this.sent.push(message)
      const result = message.method === 'eth_subscribe' ? `0xsub${this.sent.length}` : '0x1'
      this.receive({ jsonrpc: '2.0', id: message.id, result })
    }
    close(): void {
      if (this.readyState === 3) return
      this.readyState = 3
      this.onclose?.({ code: 1000 } as never)
    }
  }
  return { WebSocket: Fake as unknown as WebSocketConstructor, sockets }
}
