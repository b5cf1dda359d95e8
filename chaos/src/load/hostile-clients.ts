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
  | 'slowloris'
  | 'idleSocket'

/** Options of {@link startHostileClients}. */
export interface HostileClientsOptions {
  /** The server's JSON-RPC URL on 127.0.0.1. */
  url: string
  clock: RunClock
  /** Nothing is sent after this time, and every socket is closed by `stop()`. */
  stopAtMs: number
  /** Idle TCP connections held open at once (the "thousands of sockets"). */
  idleSockets: number
}

/** Running hostile clients: what each kind sent, and how to stop them. */
export interface HostileClients {
  /** Requests (or sockets) each kind sent so far. */
  readonly sent: Readonly<Record<HostileKind, number>>
  /** HTTP statuses the request-sending kinds got back, by kind and status (0: connection failed). */
  readonly statuses: Readonly<Record<string, Record<number, number>>>
  stop(): Promise<void>
}

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
  const sent = Object.fromEntries(
    (
      [
        'malformed',
        'deepNesting',
        'hugeBatch',
        'oversizedBody',
        'rejected',
        'slowReader',
        'slowloris',
        'idleSocket',
      ] as const
    ).map((kind) => [kind, 0]),
  ) as Record<HostileKind, number>
  const statuses: Record<string, Record<number, number>> = {}
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 })
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
  const loop = async (periodMs: number, step: () => Promise<void>) => {
    while (running()) {
      await step()
      await sleep(periodMs)
    }
  }
  const openSocket = (onConnect: (socket: Socket) => void): Socket => {
    const socket = connect(port, '127.0.0.1', () => onConnect(socket))
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
    loop(20, () => post('malformed', '{"jsonrpc":"2.0","id":1,"method":')),
    loop(50, () => post('deepNesting', deep)),
    loop(200, () => post('hugeBatch', hugeBatch)),
    loop(500, () => post('oversizedBody', oversized)),
    loop(20, async () => {
      const call = REJECTED_CALLS[sent.rejected % REJECTED_CALLS.length]!
      await post('rejected', JSON.stringify({ jsonrpc: '2.0', id: 1, ...call }))
    }),
  ]

  // Slow readers: pipeline requests for full blocks and never read a byte of the answers.
  const blockRequest = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'eth_getBlockByNumber',
    params: ['latest', true],
  })
  const pipelined = `POST ${target.pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(blockRequest)}\r\n\r\n${blockRequest}`
  for (let i = 0; i < 10; i++) {
    openSocket((socket) => {
      socket.pause()
      for (let n = 0; n < 100; n++) socket.write(pipelined)
      sent.slowReader += 100
    })
  }
  // Slowloris: a request line, then one header byte a second, never finishing the headers.
  for (let i = 0; i < 50; i++) {
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
  for (let i = 0; i < options.idleSockets; i++) {
    openSocket(() => {
      sent.idleSocket++
    })
  }

  return {
    sent,
    statuses,
    async stop() {
      stopped = true
      await Promise.all(loops)
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await agent.close()
    },
  }
}
