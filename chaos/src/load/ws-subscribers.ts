import { connectWs, type TestWsClient } from '@chainpulse/devnet/testing'
import type { Delivery, Head, Log } from '../invariants/chain-delivery.js'
import type { RunClock } from '../record/clock.js'

/** Every frame one WebSocket connection received, stamped on the run clock. */
export interface WsRecording {
  /** Notification results by subscription id, in arrival order (ids the client never made included). */
  readonly notifications: Map<string, Delivery<unknown>[]>
  /** Frames that are neither a notification nor an answer to a request: error frames, garbage. */
  readonly strays: Delivery<string>[]
  /** When the connection closed (by either side), if it has. */
  closedAt: number | undefined
}

/** A WebSocket client of the proxy subscribed to `newHeads` and to the emitter's logs. */
export interface WsSubscriber {
  readonly client: TestWsClient
  readonly recording: WsRecording
  readonly headsId: string
  readonly logsId: string
  heads(): Delivery<Head>[]
  logs(): Delivery<Log>[]
  close(): Promise<void>
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

/**
 * Connects to the proxy's WebSocket endpoint and subscribes to the logs of `address`, then to
 * `newHeads`: logs first, so every block delivered on `newHeads` from then on has its logs delivered too.
 *
 * @throws {Error} when the connection or a subscription fails
 */
export async function connectSubscriber(
  url: string,
  address: string,
  clock: RunClock,
): Promise<WsSubscriber> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`clients only to 127.0.0.1: ${url}`)
  const client = await connectWs(url)
  const recording = recordWs(client, clock)
  try {
    const logsId = await client.subscribe(['logs', { address }])
    const headsId = await client.subscribe(['newHeads'])
    const of = <T>(id: string) => (recording.notifications.get(id) ?? []) as Delivery<T>[]
    return {
      client,
      recording,
      headsId,
      logsId,
      heads: () => of<Head>(headsId),
      logs: () => of<Log>(logsId),
      close: () => client.close(),
    }
  } catch (error) {
    await client.close()
    throw error
  }
}

/**
 * A bare `newHeads` subscription on the node itself: every block the node announced (the new branch of a
 * reorg included, and so the replaced blocks too), by hash, with when it was announced. Block filters
 * deliver hashes only; this is where their heights and parents come from, and every delivery is timed
 * from here.
 */
export async function observeNode(
  nodeWsUrl: string,
  clock: RunClock,
): Promise<{ announced(): Map<string, Delivery<Head>>; close(): Promise<void> }> {
  const client = await connectWs(nodeWsUrl)
  const recording = recordWs(client, clock)
  const id = await client.subscribe(['newHeads'])
  return {
    announced() {
      const byHash = new Map<string, Delivery<Head>>()
      for (const delivery of (recording.notifications.get(id) ?? []) as Delivery<Head>[])
        if (!byHash.has(delivery.value.hash)) byHash.set(delivery.value.hash, delivery)
      return byHash
    },
    close: () => client.close(),
  }
}
