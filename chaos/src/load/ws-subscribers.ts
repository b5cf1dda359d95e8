import { connectWs, type TestWsClient } from '@chainpulse/devnet/testing'
import type { Delivery, Head, Log } from '../invariants/chain-delivery.js'
import type { RunClock } from '../record/clock.js'
import { recordWs, type WsRecording } from '../record/ws-recording.js'

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
