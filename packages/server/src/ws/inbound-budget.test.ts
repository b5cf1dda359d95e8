import type { AddressInfo } from 'node:net'
import { createFakeClock, type FakeClock } from '@chainpulse/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { type InboundThrottle, throttleInbound } from './inbound-budget.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

interface Pair {
  clock: FakeClock
  client: WebSocket
  throttle: InboundThrottle
  /** Messages the server side has read, in order. */
  received: string[]
  pauses: number[]
  serverSocket: WebSocket
}

/** A real WebSocket pair on 127.0.0.1 whose server side reads through a throttle timed by a fake clock. */
async function pair(rate: { bytesPerSecond: number; burstBytes: number }): Promise<Pair> {
  const clock = createFakeClock()
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  const received: string[] = []
  const pauses: number[] = []
  const accepted = new Promise<{ socket: WebSocket; throttle: InboundThrottle }>((resolve) =>
    server.once('connection', (socket) => {
      const throttle = throttleInbound(socket, { ...rate, clock, onPause: (ms) => pauses.push(ms) })
      socket.on('message', (data: Buffer) => {
        throttle.received(data.length)
        received.push(data.toString())
      })
      resolve({ socket, throttle })
    }),
  )
  const { port } = server.address() as AddressInfo
  const client = new WebSocket(`ws://127.0.0.1:${port}`)
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject))
  const { socket, throttle } = await accepted
  closers.push(async () => {
    client.terminate()
    // A paused socket would not read the client's end: the server side is ended here too.
    socket.terminate()
    await new Promise((resolve) => server.close(resolve))
  })
  return { clock, client, throttle, received, pauses, serverSocket: socket }
}

/** Yields to the event loop (socket I/O included) until `condition` holds, for at most 5 s. */
async function eventually(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!condition() && Date.now() < deadline) await new Promise(setImmediate)
  expect(condition()).toBe(true)
}

/** Lets real socket I/O run for `ms` of wall-clock time (the fake clock does not move). */
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const message = (tag: string, bytes: number) => tag.padEnd(bytes, '.')

describe('throttleInbound', () => {
  it('reads a burst, then stops reading until the refill has paid back what the last message overdrew', async () => {
    const { clock, client, throttle, received, pauses } = await pair({
      bytesPerSecond: 10_000,
      burstBytes: 10_000,
    })
    client.send(message('a', 6_000))
    await eventually(() => received.length === 1)
    expect(throttle.paused()).toBe(false)
    // Overdraws the bucket by 2,000 bytes: read, then 200 ms at 10,000 bytes per second to pay back.
    client.send(message('b', 6_000))
    await eventually(() => received.length === 2)
    expect(throttle.paused()).toBe(true)
    expect(pauses).toEqual([200])
    client.send(message('c', 100))
    await settle(100)
    expect(received).toHaveLength(2)
    clock.advance(199)
    await settle(50)
    expect(received).toHaveLength(2)
    clock.advance(1)
    await eventually(() => received.length === 3)
    expect(received[2]).toBe(message('c', 100))
    // The debt was paid back exactly, so these 100 bytes overdraw again: 10 ms more.
    expect(pauses).toEqual([200, 10])
    clock.advance(10)
    expect(throttle.paused()).toBe(false)
  })

  it('never pauses a client that stays within its rate', async () => {
    const { clock, client, received, pauses } = await pair({ bytesPerSecond: 10_000, burstBytes: 5_000 })
    for (let index = 0; index < 20; index++) {
      client.send(message(String(index), 4_000))
      await eventually(() => received.length === index + 1)
      // 4,000 bytes refill in 400 ms.
      clock.advance(400)
    }
    expect(pauses).toEqual([])
  })

  it('holds a sender of far more than its budget to the burst plus the rate over time', async () => {
    const { clock, client, received } = await pair({ bytesPerSecond: 10_000, burstBytes: 20_000 })
    const size = 1_000
    // The client sends far more than the budget: 400,000 bytes at once.
    for (let index = 0; index < 400; index++) client.send(message(String(index), size))
    for (let elapsed = 0; elapsed < 3_000; elapsed += 100) {
      await settle(10)
      clock.advance(100)
    }
    await settle(50)
    const read = received.length * size
    expect(read).toBeGreaterThanOrEqual(20_000 + 10_000 * 2.5)
    // Past a pause, ws finishes the TCP read it was parsing and the socket may hold one more (64 KB each).
    expect(read).toBeLessThanOrEqual(20_000 + 10_000 * 3 + 2 * 65_536)
    expect(received.length).toBeLessThan(400)
  })

  it('clears its pending resume when the socket closes', async () => {
    const { clock, client, throttle, serverSocket } = await pair({ bytesPerSecond: 1_000, burstBytes: 1_000 })
    client.send(message('a', 5_000))
    await eventually(() => throttle.paused())
    expect(clock.pendingTimers()).toBe(1)
    serverSocket.terminate()
    await new Promise((resolve) => serverSocket.once('close', resolve))
    expect(clock.pendingTimers()).toBe(0)
  })
})
