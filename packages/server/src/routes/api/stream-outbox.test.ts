import { describe, expect, it } from 'vitest'
import { createOutbox } from './stream-outbox.js'

function fakeSocket() {
  const socket = {
    bufferedAmount: 0,
    sent: [] as string[],
    send(data: string) {
      socket.sent.push(data)
    },
  }
  return socket
}

describe('outbox', () => {
  it('sends at once while the socket has room', () => {
    const socket = fakeSocket()
    const outbox = createOutbox({ socket, maxQueuedMessages: 2, maxBufferedBytes: 100 })
    outbox.push('a')
    outbox.push('b')
    expect(socket.sent).toEqual(['a', 'b'])
    expect(outbox.stats()).toMatchObject({ queued: 0, dropped: 0, sent: 2 })
  })

  it('queues while the socket is backed up and drops the oldest past the bound', () => {
    const socket = fakeSocket()
    const outbox = createOutbox({ socket, maxQueuedMessages: 3, maxBufferedBytes: 100 })
    socket.bufferedAmount = 100
    for (let index = 0; index < 1_000; index++) outbox.push(`m${index}`)
    expect(socket.sent).toEqual([])
    expect(outbox.stats()).toMatchObject({ queued: 3, dropped: 997, unreported: 997 })
  })

  it('tells the client how many were dropped before the next message it gets', () => {
    const socket = fakeSocket()
    const outbox = createOutbox({ socket, maxQueuedMessages: 2, maxBufferedBytes: 100 })
    socket.bufferedAmount = 500
    for (const message of ['m1', 'm2', 'm3', 'm4', 'm5']) outbox.push(message)
    socket.bufferedAmount = 0
    outbox.flush()
    expect(socket.sent).toEqual(['{"dropped":3}', 'm4', 'm5'])
    expect(outbox.stats()).toMatchObject({ queued: 0, dropped: 3, unreported: 0 })
  })

  it('bounds the queued bytes as well as the count', () => {
    const socket = fakeSocket()
    const outbox = createOutbox({ socket, maxQueuedMessages: 1_000, maxBufferedBytes: 1_024 })
    socket.bufferedAmount = 1_024
    for (let index = 0; index < 100; index++) outbox.push('x'.repeat(100))
    expect(outbox.stats().queuedBytes).toBeLessThanOrEqual(1_024)
    expect(outbox.stats().queued).toBe(10)
  })

  it('keeps only the newest queued snapshot of a topic', () => {
    const socket = fakeSocket()
    const outbox = createOutbox({ socket, maxQueuedMessages: 10, maxBufferedBytes: 100 })
    socket.bufferedAmount = 100
    outbox.push('runtime-1', 'runtime')
    outbox.push('block-1')
    outbox.push('runtime-2', 'runtime')
    outbox.push('runtime-3', 'runtime')
    socket.bufferedAmount = 0
    outbox.flush()
    expect(socket.sent).toEqual(['runtime-3', 'block-1'])
    expect(outbox.stats().dropped).toBe(0)
  })
})
