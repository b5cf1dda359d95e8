import type { WebSocket } from 'ws'

/** One WebSocket text message, prebuilt so that many connections can send it without framing it again. */
export interface TextFrame {
  /** The message's UTF-8 bytes. */
  readonly payload: Buffer
  /** The whole frame as a server sends it (RFC 6455 §5.2: FIN, text opcode, unmasked, length, payload). */
  readonly frame: Buffer
}

/**
 * Frames `payload` as one unmasked, unfragmented text frame, header and payload in one Buffer.
 *
 * @example
 * const frame = createTextFrame(Buffer.from('{"jsonrpc":"2.0",...}'))
 * for (const socket of sockets) sendTextFrame(socket, frame)
 */
export function createTextFrame(payload: Buffer): TextFrame {
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81 // FIN + opcode 1 (text)
  if (headerLength === 2) {
    frame[1] = length
  } else if (headerLength === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  payload.copy(frame, headerLength)
  return { payload: frame.subarray(headerLength), frame }
}

/** The parts of `ws`'s WebSocket (8.x) that {@link sendTextFrame} relies on; none are public API. */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean }
  _sender?: { _state?: unknown; _queue?: { length: number }; _firstFragment?: unknown }
}

/**
 * True when `ws` would write the next frame straight to the TCP socket: its sender is idle (not
 * compressing, nothing queued) and between messages. Then a prebuilt frame may go the same way.
 */
export function canWritePrebuiltFrame(socket: WebSocket): boolean {
  const { _socket: raw, _sender: sender } = socket as unknown as WsInternals
  return (
    raw !== undefined &&
    typeof raw.write === 'function' &&
    sender !== undefined &&
    sender._state === 0 &&
    sender._queue?.length === 0 &&
    sender._firstFragment === true
  )
}

/**
 * Sends a prebuilt text frame on an open socket. When `ws`'s sender is idle this is one write of the
 * shared frame to the TCP socket, the same write `ws` makes, minus what `socket.send` does per call:
 * building a header, corking, a two-buffer `writev`. That is about a fifth of the CPU of a fan-out to
 * 1,000 clients (docs/benchmarks.md, ws-fanout), the rest being the kernel's. Otherwise (a different `ws`
 * version, a sender busy compressing) it falls back to `socket.send(payload)`, which keeps the order.
 * The caller checks `readyState` first: nothing may follow a close frame.
 *
 * `ws.bufferedAmount` counts the bytes either way: it reads the TCP socket's write buffer.
 */
export function sendTextFrame(socket: WebSocket, frame: TextFrame): void {
  if (canWritePrebuiltFrame(socket)) (socket as unknown as Required<WsInternals>)._socket.write(frame.frame)
  else socket.send(frame.payload, textOptions)
}

/** `ws` send options for a Buffer holding text: one shared object, `ws` only reads it. */
const textOptions = { binary: false } as const
