import { ChainPulseError } from '@chainpulse/core'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Redactor } from '../../security/redaction.js'

/** Body of every `/api` error answer. */
export interface ApiErrorBody {
  error: {
    /** `INVALID_REQUEST`, `FORBIDDEN`, `NOT_AVAILABLE`, a ChainPulse error code, or `INTERNAL`. */
    code: string
    message: string
    /** For `INVALID_REQUEST`: each bad field, e.g. `{ path: 'body.ratePerSecond', message: 'Too big' }`. */
    issues?: { path: string; message: string }[]
  }
}

/** An HTTP-layer failure with its status, thrown by handlers and rendered by {@link apiErrorHandler}. */
export class ApiHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.error.message)
  }
}

/**
 * Validates `input` (a request's `body`, `query` or `params`) with `schema`.
 *
 * @throws {ApiHttpError} 400 naming every bad path, prefixed with `source` (`body.ratePerSecond`).
 */
export function validate<T extends z.ZodType>(schema: T, input: unknown, source: string): z.output<T> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({
    path: [source, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }))
  throw new ApiHttpError(400, {
    error: {
      code: 'INVALID_REQUEST',
      message: issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
      issues,
    },
  })
}

const STATUS_OF_CODE: Record<string, number> = {
  UNKNOWN_CHAIN: 404,
  UNKNOWN_PROVIDER: 404,
  UNKNOWN_STRATEGY: 400,
  CONFIG_INVALID: 400,
  DUPLICATE_PROVIDER: 409,
}

/**
 * The `/api` error handler: {@link ApiHttpError} as thrown, ChainPulse errors by code (unknown chain or
 * provider 404, bad strategy or config 400), Fastify's own 4xx (bad JSON body) as is, anything else 500.
 * Messages pass the redactor: an error from a demo control might quote a provider URL.
 */
export function apiErrorHandler(redact: Redactor) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiHttpError) return reply.code(error.statusCode).send(error.body)
    if (error instanceof ChainPulseError) {
      const status = STATUS_OF_CODE[error.code] ?? 500
      return reply.code(status).send({ error: { code: error.code, message: redact(error.shortMessage) } })
    }
    const statusCode = (error as FastifyError).statusCode
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      return reply
        .code(statusCode)
        .send({ error: { code: 'INVALID_REQUEST', message: redact(error.message), issues: [] } })
    }
    request.log.error({ err: { message: redact(error.message) } }, 'dashboard API handler failed')
    return reply.code(500).send({ error: { code: 'INTERNAL', message: redact(error.message) } })
  }
}
