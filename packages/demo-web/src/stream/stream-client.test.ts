import { describe, expect, it } from 'vitest'
import {
  createStreamClient,
  type StreamMessage,
  type StreamStatus,
  type WebSocketLike,
} from './stream-client.js'

class FakeSocket implements WebSocketLike {
  readyState = 0
  sent: string[] = []
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: unknown) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.readyState = 3
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop() {
    this.readyState = 3
    this.onclose?.({})
  }
}

function harness(overrides: { maxPending?: number } = {}) {
  const sockets: FakeSocket[] = []
  const frames: (() => void)[] = []
  const timers: { run: () => void; ms: number }[] = []
  const batches: { messages: StreamMessage[]; dropped: number }[] = []
  const statuses: StreamStatus[] = []
  const opens: boolean[] = []
  const client = createStreamClient({
    url: 'ws://dashboard/api/stream',
    topics: ['routing:decisions', 'providers'],
    onBatch: (messages, dropped) => batches.push({ messages, dropped }),
    onStatus: (status) => statuses.push(status),
    onOpen: (reconnect) => opens.push(reconnect),
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    scheduleFrame: (flush) => frames.push(flush),
    setTimer: (run, ms) => timers.push({ run, ms }),
    clearTimer: () => {},
    ...overrides,
  })
  const runFrames = () => {
    for (const frame of frames.splice(0)) frame()
  }
  return { client, sockets, frames, timers, batches, statuses, opens, runFrames }
}

describe('createStreamClient', () => {
  it('subscribes to every topic with replay once the socket opens', () => {
    const { sockets } = harness()
    sockets[0]!.open()
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({
      subscribe: ['routing:decisions', 'providers'],
      replay: 100,
    })
  })

  it('hands every message of a frame over in one batch, in order', () => {
    const { sockets, frames, batches, runFrames } = harness()
    sockets[0]!.open()
    for (let n = 0; n < 50; n++) sockets[0]!.receive({ topic: 'routing:decisions', payload: { n } })
    expect(frames).toHaveLength(1)
    expect(batches).toHaveLength(0)
    runFrames()
    expect(batches).toHaveLength(1)
    expect(batches[0]!.messages.map((message) => (message.payload as { n: number }).n)).toEqual(
      Array.from({ length: 50 }, (_, n) => n),
    )
  })

  it('keeps at most maxPending messages between frames and counts the rest as dropped', () => {
    const { sockets, batches, runFrames } = harness({ maxPending: 10 })
    sockets[0]!.open()
    for (let n = 0; n < 25; n++) sockets[0]!.receive({ topic: 'races', payload: n })
    sockets[0]!.receive({ dropped: 3 })
    runFrames()
    expect(batches[0]!.messages.map((message) => message.payload)).toEqual([
      15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
    ])
    expect(batches[0]!.dropped).toBe(15 + 3)
  })

  it('shows reconnecting when the socket closes and retries with a doubling delay', () => {
    const { sockets, timers, statuses, opens } = harness()
    sockets[0]!.open()
    sockets[0]!.drop()
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting'])
    expect(timers[0]!.ms).toBe(500)
    timers[0]!.run()
    expect(sockets).toHaveLength(2)
    sockets[1]!.drop()
    expect(timers[1]!.ms).toBe(1_000)
    timers[1]!.run()
    sockets[2]!.open()
    expect(statuses.at(-1)).toBe('open')
    expect(opens).toEqual([false, true])
    // Each new connection subscribes again.
    expect(JSON.parse(sockets[2]!.sent[0]!).subscribe).toEqual(['routing:decisions', 'providers'])
  })

  it('ignores messages that are not JSON objects', () => {
    const { sockets, batches, runFrames } = harness()
    sockets[0]!.open()
    sockets[0]!.onmessage?.({ data: 'not json' })
    sockets[0]!.onmessage?.({ data: '42' })
    runFrames()
    expect(batches).toEqual([])
  })

  it('stops reconnecting once closed', () => {
    const { client, sockets, timers } = harness()
    sockets[0]!.open()
    client.close()
    sockets[0]!.drop()
    expect(timers).toEqual([])
  })
})
