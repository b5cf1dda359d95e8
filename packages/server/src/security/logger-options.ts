import type { FastifyRequest } from 'fastify'
import type { Redactor } from './redaction.js'

/** Where and how much the server logs. */
export interface LoggerSettings {
  level: string
  /** A writable destination (a pino stream); stdout when omitted. */
  stream?: { write(line: string): unknown } | undefined
  redact: Redactor
}

/**
 * Pino options for Fastify's `logger`: credentials-bearing headers (and the session key) are censored, request URLs go
 * through the redactor (a `/rpc/key/<key>/...` path would otherwise log the key), and every finished
 * line passes the redactor once more before it is written.
 */
export function loggerOptions(settings: LoggerSettings) {
  return {
    level: settings.level,
    ...(settings.stream ? { stream: settings.stream } : {}),
    redact: {
      // The session key too: it may be a client's secret (a wallet's id), and it is not ours to show.
      paths: [
        'req.headers["x-api-key"]',
        'req.headers["x-chainpulse-session"]',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '***',
    },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: settings.redact(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    hooks: { streamWrite: (line: string) => settings.redact(line) },
  }
}
