import type { Clock, TimerHandle } from '@chainpulse/core'
import type { WebSocket } from 'ws'

/** A per-connection budget of incoming bytes: a sustained rate, and a burst on top of it. */
export interface InboundByteRate {
  /** Bytes per second a connection may send, sustained. */
  bytesPerSecond: number
  /** Bytes a connection may send at once before the rate applies (the bucket's size, full at first). */
  burstBytes: number
}

/** Options of {@link throttleInbound}. */
export interface ThrottleInboundOptions extends InboundByteRate {
  /** Times the refill and the pauses. */
  clock: Clock
  /** Called each time reading pauses, with how long it pauses (for a log line). */
  onPause?: (pauseMs: number, overdrawnBytes: number) => void
}

/** The inbound throttle of one socket. */
export interface InboundThrottle {
  /** Counts a message just read (`bytes` long); pauses reading while the budget is overdrawn. */
  received(bytes: number): void
  /** Whether reading is paused now. */
  paused(): boolean
}

/**
 * Holds what one WebSocket may make the server read, parse and answer to `bytesPerSecond`, with a
 * `burstBytes` bucket on top (a token bucket, full when the socket opens). A message is never refused
 * for its size here (`ws.maxMessageBytes` does that): it is counted once read, and when it overdraws the
 * bucket the socket stops reading (`socket.pause()`) until the refill has paid the debt back. TCP then
 * holds the client's further bytes in the kernel and, once those buffers fill, its sends: a client over
 * the budget is slowed down, not disconnected, and the CPU it can take from others is bounded by the
 * rate. What is read past the budget is bounded too: what was already read when reading paused (the rest
 * of the TCP read `ws` was parsing, and one more read the socket may hold: 64 KB each), and the debt
 * makes the next pause longer, so over time a client gets `burstBytes + bytesPerSecond × seconds`.
 *
 * A paused socket does not see its client leave until it reads again: at most the pause later.
 *
 * The pause outlives the connection's own close: a socket being closed is still throttled, and the
 * timer is cleared when the socket's `close` event comes.
 *
 * @example
 * const throttle = throttleInbound(socket, { bytesPerSecond: 2_097_152, burstBytes: 8_388_608, clock })
 * socket.on('message', (data) => throttle.received(byteLength(data)))
 */
export function throttleInbound(socket: WebSocket, options: ThrottleInboundOptions): InboundThrottle {
  const { bytesPerSecond, burstBytes, clock } = options
  let tokens = burstBytes
  let refilledAt = clock.now()
  let timer: TimerHandle | undefined

  const resume = () => {
    timer = undefined
    socket.resume()
  }
  socket.once('close', () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
  })

  return {
    received(bytes) {
      const now = clock.now()
      tokens = Math.min(burstBytes, tokens + ((now - refilledAt) * bytesPerSecond) / 1_000)
      refilledAt = now
      tokens -= bytes
      // Already paused: the pending resume comes at the old debt's end; this message's bytes (read from
      // the chunk `ws` was parsing when it paused) make the next pause longer.
      if (tokens >= 0 || timer !== undefined) return
      const pauseMs = Math.ceil((-tokens * 1_000) / bytesPerSecond)
      socket.pause()
      timer = clock.setTimeout(resume, pauseMs)
      options.onPause?.(pauseMs, -tokens)
    },
    paused: () => timer !== undefined,
  }
}
