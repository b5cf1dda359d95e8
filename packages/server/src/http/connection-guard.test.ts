import { EventEmitter } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { ServerConfigInput } from '../config/server-config.js'
import { type TestServerOptions, useTestServerPerTest } from '../testing/harness.js'
import { openTestClient } from '../ws/test-client.js'
import { guardConnections, handOverToWebSocket } from './connection-guard.js'
import { closesWithin, openRawConnection, type RawHttpConnection, SOCKET_WAIT_MS } from './raw-http-client.js'

const chainIdCall = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })

/** A stand-in for a socket: an address, `destroy()` that emits 'close' as a real socket does. */
function fakeSocket(address: string) {
  const socket = new EventEmitter() as EventEmitter & { address: string; destroyed: boolean; destroy(): void }
  socket.address = address
  socket.destroyed = false
  socket.destroy = () => {
    if (socket.destroyed) return
    socket.destroyed = true
    socket.emit('close')
  }
  return socket
}

function fakeServer() {
  const server = new EventEmitter()
  const connect = (address: string) => {
    const socket = fakeSocket(address)
    server.emit('connection', socket)
    return socket
  }
  return { server: server as unknown as Server, connect }
}

describe('guardConnections (counting, sockets stood in)', () => {
  const keyOf = (socket: Duplex) => (socket as unknown as { address: string }).address

  it('destroys the connection past the cap of its IP, and only of that IP', () => {
    const { server, connect } = fakeServer()
    const guard = guardConnections(server, { maxConnectionsPerIp: 2, keyOf })
    const [a1, a2, a3] = [connect('10.0.0.1'), connect('10.0.0.1'), connect('10.0.0.1')]
    const b1 = connect('10.0.0.2')
    expect([a1.destroyed, a2.destroyed, a3.destroyed, b1.destroyed]).toEqual([false, false, true, false])
    expect(guard.refusedConnections()).toBe(1)
    expect(guard.openConnections('10.0.0.1')).toBe(2)
    expect(guard.openConnections('10.0.0.2')).toBe(1)
  })

  it('gives the place back when a connection closes, once however often it closes', () => {
    const { server, connect } = fakeServer()
    const guard = guardConnections(server, { maxConnectionsPerIp: 1, keyOf })
    const first = connect('10.0.0.1')
    first.destroy()
    first.emit('close')
    expect(guard.openConnections('10.0.0.1')).toBe(0)
    const second = connect('10.0.0.1')
    expect(second.destroyed).toBe(false)
    expect(connect('10.0.0.1').destroyed).toBe(true)
    expect(guard.openConnections('10.0.0.1')).toBe(1)
  })

  it("does not cap the host's own address (127.0.0.1, ::1), where a local reverse proxy connects from", () => {
    const { server, connect } = fakeServer()
    const guard = guardConnections(server, { maxConnectionsPerIp: 1, keyOf })
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const sockets = Array.from({ length: 10 }, () => connect(address))
      expect(sockets.some((socket) => socket.destroyed)).toBe(false)
    }
    // Another loopback alias is a client like any other.
    expect([connect('127.0.0.2').destroyed, connect('127.0.0.2').destroyed]).toEqual([false, true])
    expect(guard.refusedConnections()).toBe(1)
  })

  it('counts nothing with maxConnectionsPerIp false', () => {
    const { server, connect } = fakeServer()
    const guard = guardConnections(server, { maxConnectionsPerIp: false, keyOf })
    const sockets = Array.from({ length: 1_000 }, () => connect('10.0.0.1'))
    expect(sockets.some((socket) => socket.destroyed)).toBe(false)
    expect(guard.refusedConnections()).toBe(0)
  })

  it('frees the place of a socket that became a WebSocket, once', () => {
    const { server, connect } = fakeServer()
    const guard = guardConnections(server, { maxConnectionsPerIp: 1, keyOf })
    const upgraded = connect('10.0.0.1')
    handOverToWebSocket(upgraded as unknown as Duplex)
    expect(guard.openConnections('10.0.0.1')).toBe(0)
    const next = connect('10.0.0.1')
    expect(next.destroyed).toBe(false)
    // Closing the WebSocket later gives back nothing it no longer holds.
    upgraded.destroy()
    expect(guard.openConnections('10.0.0.1')).toBe(1)
    expect(connect('10.0.0.1').destroyed).toBe(true)
  })
})

describe('the per-IP connection cap on a listening server', () => {
  const start = useTestServerPerTest()

  async function listening(config: ServerConfigInput, options: TestServerOptions = {}) {
    const server = start({ ...options, config: { rateLimit: false, logLevel: 'silent', ...config } })
    await server.app.listen({ port: 0, host: '127.0.0.1' })
    return { server, port: (server.app.server.address() as AddressInfo).port }
  }

  /** Opens a connection and proves the server counts it: a JSON-RPC call on it is answered. */
  async function served(port: number, localAddress?: string) {
    const connection = await openRawConnection(port, localAddress ? { localAddress } : {})
    const answer = await connection.post('/rpc/ethereum', chainIdCall)
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({ id: 1, result: 'eth_chainId' })
    return connection
  }

  /** Waits until a new connection from `localAddress` is served again (the server saw the closes). */
  async function servedAgain(port: number, localAddress: string): Promise<RawHttpConnection> {
    const deadline = Date.now() + SOCKET_WAIT_MS
    for (;;) {
      const connection = await openRawConnection(port, { localAddress })
      try {
        const answer = await connection.post('/rpc/ethereum', chainIdCall)
        if (answer.status === 200) return connection
      } catch (error) {
        if (Date.now() > deadline) throw error
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  // The clients connect from loopback aliases: the host's own address (127.0.0.1) is not capped.
  const client = { localAddress: '127.0.0.2' }

  it('serves the first N connections of one IP, closes the ones past N at once, accepts again after closes', async () => {
    const { server, port } = await listening({ http: { maxConnectionsPerIp: 4 } })
    const kept: RawHttpConnection[] = []
    for (let i = 0; i < 4; i++) kept.push(await served(port, client.localAddress))

    const extra = await Promise.all([openRawConnection(port, client), openRawConnection(port, client)])
    for (const connection of extra) {
      expect(await closesWithin(connection)).toBe(true)
      // Destroyed before a byte was read: nothing was ever answered on it.
      expect(connection.received()).toBe('')
    }
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/^chainpulse_http_connections_refused_total 2$/m)
    // The connections within the cap keep being served.
    for (const connection of kept)
      expect((await connection.post('/rpc/ethereum', chainIdCall)).status).toBe(200)

    await Promise.all(kept.splice(0, 2).map((connection) => connection.close()))
    kept.push(await servedAgain(port, client.localAddress))
    kept.push(await served(port, client.localAddress))
    const overAgain = await openRawConnection(port, client)
    expect(await closesWithin(overAgain)).toBe(true)
    await Promise.all(kept.map((connection) => connection.close()))
  })

  it('leaves another client IP unaffected while one IP is at its cap', async () => {
    const { port } = await listening({ http: { maxConnectionsPerIp: 2 } })
    const full = [await served(port, '127.0.0.2'), await served(port, '127.0.0.2')]
    expect(await closesWithin(await openRawConnection(port, { localAddress: '127.0.0.2' }))).toBe(true)
    // On Linux all of 127.0.0.0/8 is loopback: 127.0.0.3 is another IP to the server.
    const other = [await served(port, '127.0.0.3'), await served(port, '127.0.0.3')]
    expect(await closesWithin(await openRawConnection(port, { localAddress: '127.0.0.3' }))).toBe(true)
    // The host's own address is not capped.
    const host = await Promise.all(Array.from({ length: 5 }, () => served(port)))
    await Promise.all([...full, ...other, ...host].map((connection) => connection.close()))
  })

  it('does not count open WebSockets: more WebSockets than the cap, and HTTP is still served', async () => {
    const { port } = await listening({
      http: { maxConnectionsPerIp: 2 },
      ws: { upgradeRateLimit: false },
    })
    const clients = []
    for (let i = 0; i < 5; i++)
      clients.push(await openTestClient(`ws://127.0.0.1:${port}/ws/rpc/ethereum`, client))
    const [first] = await Promise.all([served(port, client.localAddress), served(port, client.localAddress)])
    for (const client of clients) expect((await client.call('eth_chainId')).result).toBe('eth_chainId')
    await Promise.all(clients.map((client) => client.close()))
    await first?.close()
  })
})
