import type { TestWsClient } from '@chainpulse/devnet/testing'
import type { Delivery } from '../invariants/chain-delivery.js'
import type { RunClock } from './clock.js'

/** Every frame one WebSocket connection received, stamped on the run clock. */
export interface WsRecording {
  /** Notification results by subscription id, in arrival order (ids the client never made included). */
  readonly notifications: Map<string, Delivery<unknown>[]>
  /** Frames that are neither a notification nor an answer to a request: error frames, garbage. */
  readonly strays: Delivery<string>[]
  /** When the connection closed (by either side), if it has. */
  closedAt: number | undefined
}

/**
 * Records every frame `client` receives from now on. The client's own listener answers its requests; this
 * one keeps notifications under whatever subscription id they carry, so a notification for an id the
 * client never made (a subscription silently replaced) shows, as does any error frame.
 */
export function recordWs(client: TestWsClient, clock: RunClock): WsRecording {
  const recording: WsRecording = { notifications: new Map(), strays: [], closedAt: undefined }
  client.socket.on('message', (data) => {
    const at = clock.now()
    const text = String(data)
    let message: { id?: unknown; method?: unknown; params?: { subscription?: unknown; result?: unknown } }
    try {
      message = JSON.parse(text)
    } catch {
      recording.strays.push({ at, value: text.slice(0, 200) })
      return
    }
    if (message.method === 'eth_subscription' && typeof message.params?.subscription === 'string') {
      const list = recording.notifications.get(message.params.subscription) ?? []
      list.push({ at, value: message.params.result })
      recording.notifications.set(message.params.subscription, list)
    } else if (typeof message.id !== 'number') recording.strays.push({ at, value: text.slice(0, 200) })
  })
  void client.closed.then(() => {
    recording.closedAt = clock.now()
  })
  return recording
}
