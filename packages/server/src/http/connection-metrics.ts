import { Counter, type Registry } from 'prom-client'
import type { ConnectionGuard } from './connection-guard.js'

/**
 * Adds `chainpulse_http_connections_refused_total` to a server's registry, read from the connection
 * guard at scrape time: connections destroyed on arrival because their client IP held
 * `http.maxConnectionsPerIp` already. No IP label: the attacker would choose its values.
 */
export function registerConnectionMetrics(registry: Registry, guard: ConnectionGuard): void {
  new Counter({
    name: 'chainpulse_http_connections_refused_total',
    help: 'TCP connections closed on arrival because their client IP held http.maxConnectionsPerIp already.',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(guard.refusedConnections())
    },
  })
}
