import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer, type WebSocket as WsServerSocket } from 'ws'
import type { Clock } from '../clock/clock.js'
import { GRACE_AFTER_STALL_MS } from '../clock/deadline.js'
import { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
import { UpstreamError, UpstreamRpcError } from '../errors/errors.js'
import type { JsonRpcResponse } from './json-rpc.js'
import {
  createWsTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WsStateChange,
  type WsTransport,
  type WsTransportOptions,
  type WsTransportState,
} from './ws-transport.js'

const ws = { WebSocketServer, WebSocket: WebSocket as unknown as WebSocketConstructor }
type ServerSocket = WsServerSocket

interface RpcMessage {
  jsonrpc: '2.0'
  id: number
  method: string
  params?: unknown[]
}

/** One server-side connection: read the client's calls in order and answer them by hand. */
class Peer {
  readonly closed: Promise<void>
  private readonly inbox: RpcMessage[] = []
  private readonly waiters: Array<(message: RpcMessage) => void> = []

  constructor(readonly socket: ServerSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as RpcMessage
      const waiter = this.waiters.shift()
      if (waiter) waiter(message)
      else this.inbox.push(message)
    })
    this.closed = new Promise((resolve) => socket.on('close', resolve))
  }

  /** The next call the client sent (waits for it). */
  next(): Promise<RpcMessage> {
    const queued = this.inbox.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  reply(id: number, result: unknown): void {
    this.send({ jsonrpc: '2.0', id, result })
  }

  notify(subscription: string, result: unknown): void {
    this.send({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } })
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }
}

/** A real `ws` server on loopback; `nextPeer()` waits for the next client connection. */
class RpcServer {
  private readonly peers: Peer[] = []
  private readonly waiters: Array<(peer: Peer) => void> = []

  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      const peer = new Peer(socket)
      const waiter = this.waiters.shift()
      if (waiter) waiter(peer)
      else this.peers.push(peer)
    })
  }

  static async start(port = 0): Promise<RpcServer> {
    const server = new ws.WebSocketServer({ port, host: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', resolve))
    const started = new RpcServer(server)
    servers.push(started)
    return started
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  nextPeer(): Promise<Peer> {
    const queued = this.peers.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

const servers: RpcServer[] = []
const transports: WsTransport[] = []

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close()
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** Counts the sockets the transport creates, so a test can see that no attempt happened yet. */
function countingWebSocket(): { WebSocket: WebSocketConstructor; created: WebSocketLike[] } {
  const created: WebSocketLike[] = []
  const Base = ws.WebSocket
  const WebSocket = class extends Base {
    constructor(url: string) {
      super(url)
      created.push(this)
    }
  } as unknown as WebSocketConstructor
  return { WebSocket, created }
}

function transport(clock: FakeClock, options: Partial<WsTransportOptions> & { url: string }): WsTransport {
  const created = createWsTransport({
    clock,
    WebSocket: ws.WebSocket,
    heartbeatIntervalMs: 0,
    random: () => 0.5,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0, stableAfterMs: 5_000 },
    requestTimeoutMs: 1_000,
    providerId: 'alpha',
    ...options,
  })
  transports.push(created)
  return created
}

/** Resolves with the next state change into `state` (waits on the event, never on time). */
function nextState(target: WsTransport, state: WsTransportState): Promise<WsStateChange> {
  return new Promise((resolve) => {
    const off = target.onStateChange((change) => {
      if (change.state !== state) return
      off()
      resolve(change)
    })
  })
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError)
    return error as UpstreamError
  }
  throw new Error('expected the call to reject')
}

/** A TCP server that accepts connections but never completes the WebSocket upgrade. */
async function startBlackhole(): Promise<{ url: string; upgraded: Promise<unknown>; close(): void }> {
  const sockets: Socket[] = []
  const server = createServer()
  server.on('upgrade', (_request, socket: Socket) => sockets.push(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgraded: once(server, 'upgrade'),
    close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

/** Opens `target` and returns the server side of the connection. */
async function open(target: WsTransport, server: RpcServer): Promise<Peer> {
  const peer = server.nextPeer()
  await target.connect()
  return peer
}

describe('createWsTransport: requests', () => {
  it('connects lazily on the first request and reports idle → connecting → open', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const states: string[] = []
    client.onStateChange((change) => states.push(`${change.previous}→${change.state}`))
    expect(client.state).toBe('idle')

    const answer = client.request('eth_chainId')
    const peer = await server.nextPeer()
    const call = await peer.next()
    peer.reply(call.id, '0x1')

    expect(await answer).toEqual({ jsonrpc: '2.0', id: call.id, result: '0x1' })
    expect(call).toMatchObject({ jsonrpc: '2.0', method: 'eth_chainId' })
    expect(states).toEqual(['idle→connecting', 'connecting→open'])
  })

  it('matches answers that arrive out of order to their requests', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)

    const first = client.request('eth_getBalance', ['0xa', 'latest'])
    const second = client.request('eth_getBalance', ['0xb', 'latest'])
    const third = client.request('eth_blockNumber')
    const calls = [await peer.next(), await peer.next(), await peer.next()]
    for (const call of [...calls].reverse())
      peer.reply(call.id, `${call.method}:${JSON.stringify(call.params)}`)

    expect(new Set(calls.map((call) => call.id)).size).toBe(3)
    expect((await first) as { result: unknown }).toMatchObject({ result: 'eth_getBalance:["0xa","latest"]' })
    expect((await second) as { result: unknown }).toMatchObject({ result: 'eth_getBalance:["0xb","latest"]' })
    expect((await third) as { result: unknown }).toMatchObject({ result: 'eth_blockNumber:undefined' })
  })

  it('resolves JSON-RPC error answers as data', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)

    const answer = client.request('eth_call', [{ to: '0x1' }, 'latest'])
    const call = await peer.next()
    const error = { code: 3, message: 'execution reverted', data: '0x' }
    peer.send({ jsonrpc: '2.0', id: call.id, error })

    expect(await answer).toEqual({ jsonrpc: '2.0', id: call.id, error })
  })

  it('times out a request, ignores its late answer and counts it', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const peer = await open(client, server)

    const late = client.request('eth_getLogs', [{}], { timeoutMs: 300 })
    const call = await peer.next()
    clock.advance(300)
    const error = await rejection(late)
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', timeoutMs: 300, providerId: 'alpha' })

    peer.reply(call.id, [])
    const probe = client.request('eth_chainId')
    const probeCall = await peer.next()
    peer.reply(probeCall.id, '0x1')
    await probe
    expect(client.stats().ignoredFrames).toBe(1)
  })

  it("rejects with ABORTED when the caller's signal fires", async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)
    const controller = new AbortController()

    const pending = client.request('eth_blockNumber', [], { signal: controller.signal })
    await peer.next()
    controller.abort(new Error('done'))

    const error = await rejection(pending)
    expect(error).toMatchObject({ code: 'ABORTED' })
    expect((error.cause as Error).message).toBe('done')
  })

  it('ignores and counts frames that are not JSON or match nothing', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)

    peer.send('not json {')
    peer.send({ hello: 'world' })
    peer.send({ jsonrpc: '2.0', id: 999, result: '0x0' })
    peer.notify('0xunknown', {})
    const answer = client.request('eth_chainId')
    const call = await peer.next()
    peer.reply(call.id, '0x1')

    expect(await answer).toMatchObject({ result: '0x1' })
    expect(client.stats().ignoredFrames).toBe(4)
    expect(client.state).toBe('open')
  })
})

describe('createWsTransport: subscriptions', () => {
  it('routes notifications to the subscription whose upstream id they carry', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)
    const heads: unknown[] = []
    const logs: unknown[] = []

    const headsSubscription = client.subscribe(['newHeads'], (head) => heads.push(head))
    const headsCall = await peer.next()
    peer.reply(headsCall.id, '0xaaa')
    const logsSubscription = client.subscribe(['logs', { address: '0x1' }], (log) => logs.push(log))
    const logsCall = await peer.next()
    peer.reply(logsCall.id, '0xbbb')
    const [headsHandle, logsHandle] = await Promise.all([headsSubscription, logsSubscription])
    // Sent back to back right after the answer: the mapping must already be in place.
    peer.notify('0xbbb', { logIndex: '0x0' })
    peer.notify('0xaaa', { number: '0x1' })
    peer.notify('0xaaa', { number: '0x2' })
    const done = client.request('eth_chainId')
    peer.reply((await peer.next()).id, '0x1')
    await done

    expect(headsCall).toMatchObject({ method: 'eth_subscribe', params: ['newHeads'] })
    expect(logsCall).toMatchObject({ method: 'eth_subscribe', params: ['logs', { address: '0x1' }] })
    expect(heads).toEqual([{ number: '0x1' }, { number: '0x2' }])
    expect(logs).toEqual([{ logIndex: '0x0' }])
    expect(headsHandle.id).not.toBe(logsHandle.id)
    expect(headsHandle.upstreamId).toBe('0xaaa')
  })

  it('delivers a notification sent in the same frame batch right after the subscribe answer', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)
    const heads: unknown[] = []

    const subscribing = client.subscribe(['newHeads'], (head) => heads.push(head))
    const call = await peer.next()
    peer.send([
      { jsonrpc: '2.0', id: call.id, result: '0x9' },
      { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x9', result: 'first' } },
    ])
    await subscribing

    expect(heads).toEqual(['first'])
  })

  it('unsubscribes upstream and stops delivery at once', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)
    const heads: unknown[] = []
    const subscribing = client.subscribe(['newHeads'], (head) => heads.push(head))
    peer.reply((await peer.next()).id, '0xaaa')
    const subscription = await subscribing

    const unsubscribing = subscription.unsubscribe()
    peer.notify('0xaaa', 'too late')
    const call = await peer.next()
    peer.reply(call.id, true)
    await unsubscribing

    expect(call).toMatchObject({ method: 'eth_unsubscribe', params: ['0xaaa'] })
    expect(heads).toEqual([])
  })

  it('rejects with UPSTREAM_RPC_ERROR, classified, when the upstream refuses to subscribe', async () => {
    const server = await RpcServer.start()
    const client = transport(createFakeClock(), { url: server.url })
    const peer = await open(client, server)

    const subscribing = client.subscribe(['newPendingTransactions'], () => {})
    const call = await peer.next()
    const rpcError = { code: -32601, message: 'the method eth_subscribe does not exist/is not available' }
    peer.send({ jsonrpc: '2.0', id: call.id, error: rpcError })

    const error = await rejection(subscribing)
    expect(error).toBeInstanceOf(UpstreamRpcError)
    expect(error).toMatchObject({ code: 'UPSTREAM_RPC_ERROR', rpcError, errorClass: 'method-unsupported' })
  })

  it('reports a throwing notification listener and keeps delivering', async () => {
    const server = await RpcServer.start()
    const reported: unknown[] = []
    const client = transport(createFakeClock(), { url: server.url, onListenerError: (e) => reported.push(e) })
    const peer = await open(client, server)
    const seen: unknown[] = []
    const subscribing = client.subscribe(['newHeads'], (head) => {
      seen.push(head)
      if (head === 1) throw new Error('listener bug')
    })
    peer.reply((await peer.next()).id, '0xaaa')
    await subscribing

    peer.notify('0xaaa', 1)
    peer.notify('0xaaa', 2)
    const done = client.request('eth_chainId')
    peer.reply((await peer.next()).id, '0x1')
    await done

    expect(seen).toEqual([1, 2])
    expect(reported).toHaveLength(1)
  })
})

describe('createWsTransport: reconnection', () => {
  it('rejects pending calls when the server drops the socket, then reconnects after the backoff delay', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const { WebSocket, created } = countingWebSocket()
    const client = transport(clock, {
      url: server.url,
      WebSocket,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0.5, stableAfterMs: 5_000 },
      random: () => 0.5,
    })
    const peer = await open(client, server)
    const pending = client.request('eth_blockNumber')
    await peer.next()
    const reconnecting = nextState(client, 'reconnecting')

    peer.socket.terminate()

    const error = await rejection(pending)
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true })
    // 100 ms base, jitter 0.5 drawn at 0.5 → 100 × (1 − 0.25) = 75 ms.
    expect(await reconnecting).toMatchObject({ previous: 'open', attempt: 1, delayMs: 75 })
    expect(await rejection(client.request('eth_chainId'))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      reason: 'not connected (waiting to reconnect)',
    })

    clock.advance(74)
    expect(created).toHaveLength(1)
    const reopened = nextState(client, 'open')
    const nextPeer = server.nextPeer()
    clock.advance(1)
    expect(created).toHaveLength(2)
    await reopened
    await nextPeer
    expect(client.stats().reconnects).toBe(1)
  })

  it('grows the delay over failed attempts and resets it after a stable connection', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const delays: number[] = []
    client.onStateChange((change) => {
      if (change.state === 'reconnecting') delays.push(change.delayMs ?? -1)
    })
    let peer = await open(client, server)

    // Two short-lived connections: 100, then 200.
    for (let drop = 0; drop < 2; drop++) {
      const reconnecting = nextState(client, 'reconnecting')
      peer.socket.terminate()
      const { delayMs } = await reconnecting
      const reopened = nextState(client, 'open')
      const nextPeer = server.nextPeer()
      clock.advance(delayMs ?? 0)
      await reopened
      peer = await nextPeer
    }
    // Open longer than stableAfterMs: back to 100.
    clock.advance(5_000)
    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.terminate()
    await reconnecting

    expect(delays).toEqual([100, 200, 100])
  })

  it('resets the delay as soon as a reconnected connection delivers a notification', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const delays: number[] = []
    client.onStateChange((change) => {
      if (change.state === 'reconnecting') delays.push(change.delayMs ?? -1)
    })
    let notified: () => void = () => {}
    let peer = await open(client, server)
    const subscribing = client.subscribe(['newHeads'], () => notified())
    peer.reply((await peer.next()).id, '0x1')
    await subscribing

    let upstreamId = 1
    const dropAndReconnect = async () => {
      const reconnecting = nextState(client, 'reconnecting')
      peer.socket.terminate()
      const { delayMs } = await reconnecting
      const nextPeer = server.nextPeer()
      clock.advance(delayMs ?? 0)
      peer = await nextPeer
      // Answering the re-subscribe (the transport's own call) proves nothing about the connection yet.
      upstreamId++
      peer.reply((await peer.next()).id, `0x${upstreamId}`)
    }

    // Dropped right after re-subscribing, before any event: 100, 200, 400 ms (no clock time passes).
    await dropAndReconnect()
    await dropAndReconnect()
    await dropAndReconnect()
    const delivered = new Promise<void>((resolve) => {
      notified = resolve
    })
    peer.notify(`0x${upstreamId}`, { number: '0x1' })
    await delivered
    // That connection delivered an event: the next drop starts again at 100 ms, long before
    // stableAfterMs (5 s) could have passed (the fake clock has not moved since it opened).
    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.terminate()
    await reconnecting

    expect(delays).toEqual([100, 200, 400, 100])
  })

  it('bounds the delay by maxDelayMs while connections keep dropping before serving anything', async () => {
    const server = await RpcServer.start()
    const url = server.url
    await server.stop()
    servers.length = 0
    const clock = createFakeClock()
    const client = transport(clock, { url })

    const first = client.connect()
    const failed = nextState(client, 'reconnecting')
    await rejection(first)
    const delays = [(await failed).delayMs]
    for (let attempt = 0; attempt < 6; attempt++) {
      const again = nextState(client, 'reconnecting')
      clock.advance(delays[delays.length - 1] ?? 0)
      delays.push((await again).delayMs)
    }

    // 100 ms doubling, capped at maxDelayMs (1 s here).
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000])
  })

  it('keeps retrying with growing delays while the upstream refuses connections', async () => {
    const server = await RpcServer.start()
    const url = server.url
    await server.stop()
    servers.length = 0
    const clock = createFakeClock()
    const client = transport(clock, { url })

    const first = client.connect()
    const failed = nextState(client, 'reconnecting')
    expect(await rejection(first)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' })
    const delays = [(await failed).delayMs]
    for (let attempt = 0; attempt < 3; attempt++) {
      const again = nextState(client, 'reconnecting')
      clock.advance(delays[delays.length - 1] ?? 0)
      delays.push((await again).delayMs)
    }

    expect(delays).toEqual([100, 200, 400, 800])
    expect(client.state).toBe('reconnecting')
  })

  it('subscribes again after a reconnect under the same local id and calls onResubscribed', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const peer = await open(client, server)
    const heads: unknown[] = []
    const resubscribed: unknown[] = []
    const subscribing = client.subscribe(['newHeads'], (head) => heads.push(head), {
      onResubscribed: (event) => resubscribed.push({ ...event, headsSoFar: heads.length }),
    })
    peer.reply((await peer.next()).id, '0x1')
    const subscription = await subscribing
    peer.notify('0x1', 'before')

    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.terminate()
    await reconnecting
    expect(subscription.upstreamId).toBeUndefined()
    const nextPeer = server.nextPeer()
    clock.advance(100)
    const newPeer = await nextPeer
    const again = await newPeer.next()
    newPeer.send([
      { jsonrpc: '2.0', id: again.id, result: '0x2' },
      { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x2', result: 'after' } },
      { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x1', result: 'stale' } },
    ])
    const done = client.request('eth_chainId')
    newPeer.reply((await newPeer.next()).id, '0x1')
    await done

    expect(again).toMatchObject({ method: 'eth_subscribe', params: ['newHeads'] })
    expect(subscription.id).toBe('sub-1')
    expect(subscription.upstreamId).toBe('0x2')
    // onResubscribed runs before the new subscription's first notification.
    expect(resubscribed).toEqual([
      { id: 'sub-1', upstreamId: '0x2', previousUpstreamId: '0x1', headsSoFar: 1 },
    ])
    expect(heads).toEqual(['before', 'after'])
  })

  it('ends a subscription and calls onError when re-subscribing is refused', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url })
    const peer = await open(client, server)
    const errors: UpstreamError[] = []
    const subscribing = client.subscribe(['newHeads'], () => {}, { onError: (error) => errors.push(error) })
    peer.reply((await peer.next()).id, '0x1')
    const subscription = await subscribing

    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.terminate()
    await reconnecting
    const nextPeer = server.nextPeer()
    clock.advance(100)
    const newPeer = await nextPeer
    const again = await newPeer.next()
    newPeer.send({ jsonrpc: '2.0', id: again.id, error: { code: -32000, message: 'too many subscriptions' } })
    const done = client.request('eth_chainId')
    newPeer.reply((await newPeer.next()).id, '0x1')
    await done

    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'UPSTREAM_RPC_ERROR' })
    expect(subscription.upstreamId).toBeUndefined()
  })

  it('abandons an attempt that does not open within connectTimeoutMs', async () => {
    const blackhole = await startBlackhole()
    const clock = createFakeClock()
    const client = transport(clock, { url: blackhole.url, connectTimeoutMs: 2_000 })

    const connecting = client.connect()
    await blackhole.upgraded
    const reconnecting = nextState(client, 'reconnecting')
    clock.advance(2_000)

    expect(await rejection(connecting)).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      reason: 'connect timeout',
    })
    expect(await reconnecting).toMatchObject({ previous: 'connecting', reason: 'connect timeout' })
    client.close()
    blackhole.close()
  })

  it('gives a connect deadline slept through (a blocked event loop) one grace period before it times out', async () => {
    const blackhole = await startBlackhole()
    const fake = createFakeClock()
    // The connect deadline's first timer fires 3 s late, as after a 3 s stall of this process.
    let lagged = false
    const clock: Clock = {
      now: fake.now,
      setTimeout: (callback, ms) => {
        const lag = ms === 2_000 && !lagged ? 3_000 : 0
        if (lag) lagged = true
        return fake.setTimeout(callback, ms + lag)
      },
      clearTimeout: fake.clearTimeout,
    }
    const client = createWsTransport({
      clock,
      WebSocket: ws.WebSocket,
      heartbeatIntervalMs: 0,
      url: blackhole.url,
      connectTimeoutMs: 2_000,
    })
    transports.push(client)
    const states: string[] = []
    client.onStateChange((change) => states.push(change.state))
    const connecting = client.connect()
    await blackhole.upgraded
    fake.advance(5_000)
    expect(states).not.toContain('reconnecting')
    const reconnecting = nextState(client, 'reconnecting')
    fake.advance(GRACE_AFTER_STALL_MS)
    expect(await rejection(connecting)).toMatchObject({ reason: 'connect timeout' })
    expect(await reconnecting).toMatchObject({ previous: 'connecting', reason: 'connect timeout' })
    blackhole.close()
  })
})

describe('createWsTransport: heartbeat', () => {
  it('pings after a quiet interval and reconnects when the ping goes unanswered', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url, heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 500 })
    const peer = await open(client, server)

    clock.advance(1_000)
    const ping = await peer.next()
    expect(ping).toMatchObject({ method: 'eth_chainId', params: [] })
    const reconnecting = nextState(client, 'reconnecting')
    clock.advance(499)
    expect(client.state).toBe('open')
    clock.advance(1)

    expect(await reconnecting).toMatchObject({ reason: 'heartbeat timeout', attempt: 1 })
    await peer.closed
    const nextPeer = server.nextPeer()
    const reopened = nextState(client, 'open')
    clock.advance(100)
    await nextPeer
    await reopened
  })

  it('keeps an answering connection and waits a full quiet interval after the last frame', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url, heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 500 })
    const peer = await open(client, server)
    const heads: unknown[] = []
    const subscribing = client.subscribe(['newHeads'], (head) => heads.push(head))
    peer.reply((await peer.next()).id, '0xaaa')
    await subscribing

    clock.advance(600)
    peer.notify('0xaaa', 'head')
    // A round-trip after the notification proves the client has read it (its answer is a frame too).
    const probe = client.request('net_version')
    peer.reply((await peer.next()).id, '1')
    await probe
    expect(heads).toEqual(['head'])
    clock.advance(400) // 1 000 ms since open, but only 400 ms since the last frame: no ping yet
    const marker = client.request('eth_blockNumber')
    const afterMarker = await peer.next()
    expect(afterMarker.method).toBe('eth_blockNumber')
    peer.reply(afterMarker.id, '0x10')
    await marker

    clock.advance(1_000)
    const ping = await peer.next()
    expect(ping.method).toBe('eth_chainId')
    peer.reply(ping.id, '0x1')
    const quiet = client.request('eth_chainId')
    peer.reply((await peer.next()).id, '0x1')
    await quiet
    expect(client.state).toBe('open')
  })
})

describe('createWsTransport: close', () => {
  it('rejects pending calls, ends subscriptions and leaves no timer behind', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: server.url, heartbeatIntervalMs: 1_000 })
    const peer = await open(client, server)
    const subscribing = client.subscribe(['newHeads'], () => {})
    peer.reply((await peer.next()).id, '0xaaa')
    const subscription = await subscribing
    const pending = client.request('eth_getLogs', [{}])
    await peer.next()
    expect(clock.pendingTimers()).toBeGreaterThan(0)
    const closedState = nextState(client, 'closed')

    client.close()

    expect(await closedState).toMatchObject({ previous: 'open' })
    expect(await rejection(pending)).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      reason: 'transport closed',
    })
    expect(clock.pendingTimers()).toBe(0)
    expect(subscription.upstreamId).toBeUndefined()
    await peer.closed
    expect(await rejection(client.request('eth_chainId'))).toMatchObject({ reason: 'transport closed' })
    await expect(client.connect()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' })
  })

  it('abandons an attempt under way without errors or timers', async () => {
    const blackhole = await startBlackhole()
    const clock = createFakeClock()
    const client = transport(clock, { url: blackhole.url })
    const connecting = client.connect()
    const queued = client.request('eth_chainId')
    await blackhole.upgraded

    client.close()

    expect(await rejection(connecting)).toMatchObject({ reason: 'transport closed' })
    expect(await rejection(queued)).toMatchObject({ reason: 'transport closed' })
    expect(clock.pendingTimers()).toBe(0)
    expect(client.state).toBe('closed')
    blackhole.close()
  })

  it('closes an idle transport without opening anything', () => {
    const clock = createFakeClock()
    const { WebSocket, created } = countingWebSocket()
    const client = transport(clock, { url: 'ws://127.0.0.1:9/', WebSocket })

    client.close()

    expect(client.state).toBe('closed')
    expect(created).toHaveLength(0)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('cancels a scheduled reconnect', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const { WebSocket, created } = countingWebSocket()
    const client = transport(clock, { url: server.url, WebSocket, heartbeatIntervalMs: 1_000 })
    const peer = await open(client, server)
    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.terminate()
    await reconnecting
    expect(clock.pendingTimers()).toBe(1)

    client.close()
    clock.advance(10_000)

    expect(clock.pendingTimers()).toBe(0)
    expect(created).toHaveLength(1)
    expect(client.state).toBe('closed')
  })
})

describe('createWsTransport: secrets in the URL', () => {
  const key = 'c0ffee0123456789abcdef0123456789'
  const querySecret = 'qs-Secret-42'

  function expectNoSecret(error: UpstreamError) {
    for (const surface of [error.message, error.stack ?? '', JSON.stringify(error), String(error.cause)]) {
      expect(surface).not.toContain(key)
      expect(surface).not.toContain(querySecret)
    }
  }

  it('shows only the redacted URL and masks secrets an upstream echoes in its close reason', async () => {
    const server = await RpcServer.start()
    const clock = createFakeClock()
    const client = transport(clock, { url: `${server.url}/ws/v3/${key}?apikey=${querySecret}` })
    expect(client.url).toBe(`${server.url}/***`)
    const peer = await open(client, server)

    const timedOut = client.request('eth_chainId', [], { timeoutMs: 10 })
    await peer.next()
    clock.advance(10)
    expectNoSecret(await rejection(timedOut))

    const dropped = client.request('eth_chainId')
    await peer.next()
    const reconnecting = nextState(client, 'reconnecting')
    peer.socket.close(4001, `key ${key} revoked`)
    const error = await rejection(dropped)
    expectNoSecret(error)
    expect(error.message).toContain('key *** revoked')
    expect((await reconnecting).reason).not.toContain(key)
  })

  it('masks a short or dotted key that a JSON-RPC error answer echoes, keeping the rest of the error', async () => {
    const server = await RpcServer.start()
    const shortKey = 'Qk8v2Lmz'
    const dottedKey = 'pqr.stu.vwx9'
    const client = transport(createFakeClock(), {
      url: `${server.url}/v3/${shortKey}?access_key=${dottedKey}`,
    })
    const peer = await open(client, server)

    const answered = client.request('eth_chainId')
    const call = await peer.next()
    peer.send({
      jsonrpc: '2.0',
      id: call.id,
      error: { code: -32002, message: `key ${shortKey} is revoked`, data: { keys: [dottedKey], n: 1 } },
    })

    expect(await answered).toEqual({
      jsonrpc: '2.0',
      id: call.id,
      error: { code: -32002, message: 'key *** is revoked', data: { keys: ['***'], n: 1 } },
    })
  })
})

describe('createWsTransport: options', () => {
  it('rejects a non-WebSocket URL without echoing it', () => {
    expect(() => createWsTransport({ url: 'https://x/v3/c0ffee0123456789abcdef0123456789' })).toThrow(
      /url: expected a ws:\/\/ or wss:\/\/ URL/,
    )
    expect(() => createWsTransport({ url: 'https://x/v3/c0ffee0123456789abcdef0123456789' })).not.toThrow(
      /c0ffee/,
    )
  })

  it('uses isows when no WebSocket class is given', async () => {
    const server = await RpcServer.start()
    const client = createWsTransport({ url: server.url, heartbeatIntervalMs: 0 })
    transports.push(client)
    const peer = server.nextPeer()

    const answer = client.request('eth_chainId')
    const call = await (await peer).next()
    ;(await peer).reply(call.id, '0x1')

    expect((await answer) as JsonRpcResponse).toMatchObject({ result: '0x1' })
  })
})
