import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'

/** Options of {@link guardConnections}. */
export interface ConnectionGuardOptions {
  /** TCP connections one client IP may hold open at once; `false` for no cap. */
  maxConnectionsPerIp: number | false
  /** The client a socket counts against. @default its remote address */
  keyOf?: (socket: Duplex) => string
  /** Clients the cap does not apply to. @default {@link isHostAddress} */
  uncapped?: (key: string) => boolean
}

/** What a guarded server has refused so far, and what it holds. */
export interface ConnectionGuard {
  /** Connections destroyed on arrival because their IP held `maxConnectionsPerIp` already. */
  refusedConnections(): number
  /** Connections counted against `key` now (0 for an IP holding none). */
  openConnections(key: string): number
}

// Per socket, so the WebSocket layer can hand a socket over without a handle on the guard.
const handOvers = new WeakMap<Duplex, () => void>()

/**
 * Tells the guard of this socket's server that the socket is now an open WebSocket: it stops counting
 * against its IP's HTTP connections, since WebSockets have limits of their own (`ws.maxConnections`,
 * `ws.upgradeRateLimit`). A no-op for a socket no guard counts.
 *
 * @example
 * websocketServer.on('connection', (_ws, request) => handOverToWebSocket(request.socket))
 */
export function handOverToWebSocket(socket: Duplex | undefined): void {
  if (socket === undefined) return
  handOvers.get(socket)?.()
}

const remoteAddress = (socket: Duplex) => (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown'

/**
 * Whether an address is this host's own (127.0.0.1 or ::1, IPv4-mapped too): where a reverse proxy,
 * sidecar or tunnel on the same host connects from, carrying many clients' connections as one address.
 * Other loopback aliases (127.0.0.2…) are not the host's own.
 */
export function isHostAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1'
}

/**
 * Caps the TCP connections each client IP holds open on an HTTP server at `maxConnectionsPerIp`. One
 * past the cap is destroyed on the `connection` event, before a byte is read (there is no request yet
 * to answer), so a client hoarding sockets (idle, slowloris, slow readers) exhausts its own share and
 * nobody else's. A place comes back when a connection closes, or when it becomes a WebSocket (see
 * {@link handOverToWebSocket}); an upgrade that is refused, or never completes, keeps its place.
 *
 * The host's own address (127.0.0.1, ::1) is not capped: a reverse proxy or sidecar on the same host
 * connects from it with every client's connections, and a hostile client reaching the server from it
 * already runs on the host. Everyone else is, other loopback aliases (127.0.0.2…) included.
 *
 * @example
 * const guard = guardConnections(app.server, { maxConnectionsPerIp: 256 })
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): ConnectionGuard {
  const { maxConnectionsPerIp } = options
  const keyOf = options.keyOf ?? remoteAddress
  const uncapped = options.uncapped ?? isHostAddress
  const open = new Map<string, number>()
  let refused = 0

  if (maxConnectionsPerIp !== false)
    // Before Fastify's and the app's listeners: a refused socket costs nothing further.
    server.prependListener('connection', (socket: Duplex) => {
      const key = keyOf(socket)
      if (uncapped(key)) return
      const held = open.get(key) ?? 0
      if (held >= maxConnectionsPerIp) {
        refused++
        socket.destroy()
        return
      }
      open.set(key, held + 1)
      let holding = true
      const giveBack = () => {
        if (!holding) return
        holding = false
        handOvers.delete(socket)
        const left = (open.get(key) ?? 1) - 1
        // Keys of IPs holding nothing are dropped, so memory follows the open connections.
        if (left <= 0) open.delete(key)
        else open.set(key, left)
      }
      handOvers.set(socket, giveBack)
      socket.once('close', giveBack)
    })

  return {
    refusedConnections: () => refused,
    openConnections: (key) => open.get(key) ?? 0,
  }
}
