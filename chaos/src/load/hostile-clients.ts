import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { Agent, request } from 'undici'
import type { RunClock } from '../record/clock.js'

/** The kinds of hostile client the issue names. */
export type HostileKind =
  | 'malformed'
  | 'deepNesting'
  | 'hugeBatch'
  | 'oversizedBody'
  | 'rejected'
  | 'slowReader'
  | 'slowWsReader'
  | 'slowloris'
  | 'idleSocket'

/**
 * The hostile clients' own loopback address (all of 127.0.0.0/8 is loopback on Linux): they come from
 * another host than the normal clients, as attackers do, so the server's per-IP limits tell them apart.
 */
export const HOSTILE_ADDRESS = '127.0.0.2'

/** Options of {@link startHostileClients}. */
export interface HostileClientsOptions {
  /** The server's JSON-RPC URL on 127.0.0.1. */
  url: string
  clock: RunClock
  /** Nothing is sent after this time, and every socket is closed by `stop()`. */
  stopAtMs: number
  /** Idle TCP connections held open at once (the "thousands of sockets"). */
  idleSockets: number
  /**
   * Only these kinds run (diagnosis: which kind costs the server what). A run with fewer than all of
   * them fails the scenario's "every kind ran" invariant, so it cannot pass for a full run.
   * @default every kind
   */
  kinds?: readonly HostileKind[]
}

/** What became of one WebSocket client that subscribed, asked for large answers and stopped reading. */
export interface SlowWsReaderOutcome {
  /** Both `eth_subscribe` calls were sent after a 101 handshake. */
  upgraded: boolean
  /** Bytes of answers and notifications it asked for (the refused calls' answers echo their long ids). */
  askedBytes: number
  /** Payload bytes of the data frames the server had sent when the reader looked, at the end. */
  receivedBytes: number
  /** The close code of the server's close frame; `undefined` when none came (still open, or cut). */
  closeCode: number | undefined
  /** How the connection stood at the end: closed by a close frame, ended without one, or still open. */
  ending: 'close frame' | 'ended' | 'open'
}

/** Running hostile clients: what each kind sent, and how to stop them. */
export interface HostileClients {
  /** Requests (or sockets) each kind sent so far. */
  readonly sent: Readonly<Record<HostileKind, number>>
  /** HTTP statuses the request-sending kinds got back, by kind and status (0: connection failed). */
  readonly statuses: Readonly<Record<string, Record<number, number>>>
  /** Filled by `stop()`: each slow WebSocket reader's outcome. */
  readonly slowWsReaders: SlowWsReaderOutcome[]
  stop(): Promise<void>
}

/**
 * Slow WebSocket readers, and the answers each asks for: messages × calls × id length (~13 MB, in
 * messages of ~110 KB: a megabyte message holds the event loop for one long stretch), well
 * over what the server may buffer plus what the kernel's socket buffers hold (~4 MB on loopback here).
 * One reader: parsing and answering megabytes of JSON costs the server CPU whether or not the client
 * reads, and two at ~4 MB/s each stalled the event loop past the probe timeout on a busy 2-core machine
 * (see the scenario's notes in docs/reliability.md).
 */
const SLOW_WS_READERS = 1
const SLOW_WS_MESSAGES = 120
const SLOW_WS_BATCH = 20
const SLOW_WS_ID_CHARS = 5_500
/**
 * A slow WebSocket reader starts reading again this long after its last message: time for the server to
 * answer what it sent, and well within the 30 s the server's WebSocket library waits for a closed
 * client's reply before it drops the connection, taking the unread close frame with it (in the long
 * profile the attack outlasts that).
 */
const DRAIN_AFTER_LAST_SEND_MS = 2_000

/** Every kind, in the order the scenario reports them. */
export const hostileKinds: readonly HostileKind[] = [
  'malformed',
  'deepNesting',
  'hugeBatch',
  'oversizedBody',
  'rejected',
  'slowReader',
  'slowWsReader',
  'slowloris',
  'idleSocket',
]

/** Rejected by every node: a block tag that is not one, a raw transaction that does not decode. */
const REJECTED_CALLS = [
  { method: 'eth_getBlockByNumber', params: ['not-a-block', false] },
  { method: 'eth_sendRawTransaction', params: ['0xdeadbeef'] },
]

/**
 * Starts hostile clients against the server, all on loopback and all bounded: malformed bodies, deeply
 * nested JSON, batches far over the limit, bodies over the size limit, calls every node rejects, slow
 * readers (pipelined requests whose answers are never read), slowloris connections (headers a byte a
 * second) and many idle sockets.
 *
 * @throws {Error} when `url` is not on 127.0.0.1
 */
export function startHostileClients(options: HostileClientsOptions): HostileClients {
  const target = new URL(options.url)
  if (target.hostname !== '127.0.0.1') throw new Error(`hostile clients only to 127.0.0.1: ${options.url}`)
  const port = Number(target.port)
  const sent = Object.fromEntries(hostileKinds.map((kind) => [kind, 0])) as Record<HostileKind, number>
  const selected = new Set(options.kinds ?? hostileKinds)
  const statuses: Record<string, Record<number, number>> = {}
  const agent = new Agent({
    connections: 8,
    keepAliveTimeout: 10_000,
    connect: { localAddress: HOSTILE_ADDRESS },
  })
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let stopped = false
  const running = () => !stopped && options.clock.now() < options.stopAtMs
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  const post = async (kind: HostileKind, body: string) => {
    sent[kind]++
    let status = 0
    try {
      const response = await request(options.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(20_000),
      })
      status = response.statusCode
      await response.body.dump()
    } catch {
      status = 0
    }
    statuses[kind] ??= {}
    statuses[kind][status] = (statuses[kind][status] ?? 0) + 1
  }
  const loop = async (kind: HostileKind, periodMs: number, step: () => Promise<void>) => {
    while (selected.has(kind) && running()) {
      await step()
      await sleep(periodMs)
    }
  }
  const openSocket = (onConnect: (socket: Socket) => void): Socket => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: HOSTILE_ADDRESS }, () =>
      onConnect(socket),
    )
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
    sockets.add(socket)
    return socket
  }

  const deep = '['.repeat(5_000) + ']'.repeat(5_000)
  const hugeBatch = JSON.stringify(
    Array.from({ length: 5_000 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_blockNumber', params: [] })),
  )
  const oversized = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'eth_call',
    params: ['x'.repeat(2_000_000)],
  })
  const loops = [
    loop('malformed', 20, () => post('malformed', '{"jsonrpc":"2.0","id":1,"method":')),
    loop('deepNesting', 50, () => post('deepNesting', deep)),
    loop('hugeBatch', 200, () => post('hugeBatch', hugeBatch)),
    loop('oversizedBody', 500, () => post('oversizedBody', oversized)),
    loop('rejected', 20, async () => {
      const call = REJECTED_CALLS[sent.rejected % REJECTED_CALLS.length]!
      await post('rejected', JSON.stringify({ jsonrpc: '2.0', id: 1, ...call }))
    }),
  ]

  // Slow WebSocket readers: subscribe to heads and logs, ask for far more answer bytes than the server
  // may buffer (refused calls, answered at once, each echoing a long id), and read nothing more.
  const slowWs = Array.from({ length: selected.has('slowWsReader') ? SLOW_WS_READERS : 0 }, (_, index) => {
    const reader = {
      upgraded: false,
      askedBytes: 0,
      socket: undefined as Socket | undefined,
      handshake: Promise.resolve(),
      /** What it read once it started reading again (see `DRAIN_AFTER_LAST_SEND_MS`). */
      drained: undefined as ReturnType<typeof drainServerFrames> | undefined,
    }
    let handshaken = () => {}
    reader.handshake = new Promise<void>((resolve) => {
      handshaken = resolve
    })
    reader.socket = openSocket((socket) => {
      socket.write(
        `GET /ws${target.pathname} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
          `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n\r\n`,
      )
      let head = ''
      const onHandshake = (chunk: Buffer) => {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        socket.off('data', onHandshake)
        socket.pause()
        handshaken()
        if (!head.startsWith('HTTP/1.1 101')) return
        reader.upgraded = true
        socket.write(
          maskedTextFrame(
            JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
          ),
        )
        socket.write(
          maskedTextFrame(
            JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', {}] }),
          ),
        )
        // Spread over three quarters of the attack: what is tested is the bound on unsent bytes, not how
        // fast the server parses megabytes of JSON.
        const periodMs = Math.max(20, ((options.stopAtMs - options.clock.now()) * 0.75) / SLOW_WS_MESSAGES)
        let m = 0
        const timer = setInterval(() => {
          if (m === SLOW_WS_MESSAGES || socket.destroyed || !running()) {
            clearInterval(timer)
            const drain = setTimeout(() => {
              reader.drained ??= drainServerFrames(socket)
            }, DRAIN_AFTER_LAST_SEND_MS)
            timers.add(drain)
            return
          }
          const batch = Array.from({ length: SLOW_WS_BATCH }, (_, k) => ({
            jsonrpc: '2.0',
            id: `${index}-${m}-${k}-`.padEnd(SLOW_WS_ID_CHARS, 'x'),
            method: 'eth_sign',
            params: [],
          }))
          socket.write(maskedTextFrame(JSON.stringify(batch)))
          reader.askedBytes += SLOW_WS_BATCH * SLOW_WS_ID_CHARS
          sent.slowWsReader++
          m++
        }, periodMs)
        timers.add(timer)
      }
      socket.on('data', onHandshake)
    })
    return reader
  })
  const slowWsReaders: SlowWsReaderOutcome[] = []

  // The socket storms start once the slow WebSocket readers are upgraded (or after 2 s): a thousand
  // connections at once can hold an upgrade back past a short phase.
  void Promise.race([Promise.all(slowWs.map((reader) => reader.handshake)), sleep(2_000)]).then(() => {
    if (stopped) return
    // Slow readers: pipeline requests for full blocks and never read a byte of the answers.
    const blockRequest = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_getBlockByNumber',
      params: ['latest', true],
    })
    const pipelined = `POST ${target.pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(blockRequest)}\r\n\r\n${blockRequest}`
    for (let i = 0; i < (selected.has('slowReader') ? 10 : 0); i++) {
      openSocket((socket) => {
        socket.pause()
        for (let n = 0; n < 100; n++) socket.write(pipelined)
        sent.slowReader += 100
      })
    }
    // Slowloris: a request line, then one header byte a second, never finishing the headers.
    for (let i = 0; i < (selected.has('slowloris') ? 50 : 0); i++) {
      openSocket((socket) => {
        sent.slowloris++
        socket.write(`POST ${target.pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\n`)
        const timer = setInterval(() => {
          if (!socket.destroyed && running()) socket.write('x')
        }, 1_000)
        timers.add(timer)
      })
    }
    // Idle sockets: connected, silent, held until the end.
    for (let i = 0; i < (selected.has('idleSocket') ? options.idleSockets : 0); i++) {
      openSocket(() => {
        sent.idleSocket++
      })
    }
  })

  return {
    sent,
    statuses,
    slowWsReaders,
    async stop() {
      stopped = true
      await Promise.all(loops)
      // Readers still not reading read now: whatever the server sent, up to its close frame if it closed them.
      const outcomes = await Promise.all(
        slowWs.map(async (reader) => {
          reader.drained ??= drainServerFrames(reader.socket!)
          return { upgraded: reader.upgraded, askedBytes: reader.askedBytes, ...(await reader.drained) }
        }),
      )
      slowWsReaders.push(...outcomes)
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await agent.close()
    },
  }
}

/** A client's text frame: masked, as RFC 6455 requires of clients. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + 4 + length)
  frame[0] = 0x81
  if (headerLength === 2) frame[1] = 0x80 | length
  else if (headerLength === 4) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  const mask = randomBytes(4)
  mask.copy(frame, headerLength)
  for (let i = 0; i < length; i++) frame[headerLength + 4 + i] = payload[i]! ^ mask[i & 3]!
  return frame
}

/**
 * Reads a paused WebSocket's server frames (unmasked) until a close frame, the end of the connection,
 * or 5 s: the payload bytes of its data frames and the close code, if one came.
 */
function drainServerFrames(
  socket: Socket,
): Promise<Pick<SlowWsReaderOutcome, 'receivedBytes' | 'closeCode' | 'ending'>> {
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0)
    let receivedBytes = 0
    let closeCode: number | undefined
    const finish = (ending: SlowWsReaderOutcome['ending']) => {
      clearTimeout(timer)
      socket.removeAllListeners('data')
      resolve({ receivedBytes, closeCode, ending })
    }
    const timer = setTimeout(() => finish('open'), 5_000)
    socket.once('close', () => finish(closeCode === undefined ? 'ended' : 'close frame'))
    if (socket.destroyed) return finish('ended')
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk
      for (;;) {
        if (buffered.length < 2) return
        const opcode = buffered[0]! & 0x0f
        let length = buffered[1]! & 0x7f
        let offset = 2
        if (length === 126) {
          if (buffered.length < 4) return
          length = buffered.readUInt16BE(2)
          offset = 4
        } else if (length === 127) {
          if (buffered.length < 10) return
          length = Number(buffered.readBigUInt64BE(2))
          offset = 10
        }
        if (buffered.length < offset + length) return
        const payload = buffered.subarray(offset, offset + length)
        buffered = buffered.subarray(offset + length)
        if (opcode === 0x8) {
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
          return finish('close frame')
        }
        receivedBytes += length
      }
    })
    socket.resume()
  })
}
