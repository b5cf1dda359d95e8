import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ChainPulseError } from '../../errors/base-error.js'
import {
  AbortedError,
  MalformedResponseError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../errors/errors.js'
import { classifyRpcError } from '../../transport/json-rpc.js'
import { judgeRpcError, judgeThrown } from './failure-model.js'

// docs/failure-model.md states, in two tables, how real nodes' and providers' errors are judged. Every
// row is run through the code here, so the page cannot drift from what the pool does.

const page = readFileSync(new URL('../../../../../docs/failure-model.md', import.meta.url), 'utf8')

/** The body rows of the table whose header row starts with `firstColumn`, as trimmed cells. */
function tableRows(firstColumn: string): string[][] {
  const lines = page.split('\n')
  const header = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(line))
  expect(header, `a table headed "${firstColumn}"`).toBeGreaterThanOrEqual(0)
  const rows: string[][] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

/** The text between the first pair of backticks in a cell. */
const code = (cell: string) => /`([^`]*)`/.exec(cell)?.[1] ?? cell

describe('docs/failure-model.md: real errors and their class', () => {
  const rows = tableRows('message').map(([message, errorCode, sentBy, errorClass, verdict]) => ({
    message: code(message!),
    code: Number(errorCode),
    sentBy: sentBy!,
    errorClass: code(errorClass!),
    verdict: code(verdict!),
  }))

  it('lists at least 30 real errors, each naming who sends it', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30)
    for (const row of rows) {
      expect(Number.isInteger(row.code), `${row.message}: code`).toBe(true)
      expect(row.sentBy, `${row.message}: sent by`).toMatch(/\((?:client|provider)\)/)
    }
  })

  it.each(rows.map((row) => [row.message, row]))('%s', (_message, row) => {
    const rpcError = { code: row.code, message: row.message }
    expect(classifyRpcError(rpcError)).toBe(row.errorClass)
    expect(judgeRpcError(rpcError, 'p').kind).toBe(row.verdict)
  })
})

describe('docs/failure-model.md: transport outcomes', () => {
  const context = { providerId: 'p' }
  /** Builds the errors a row describes: one per HTTP status it lists, else one. */
  function errorsOf(errorCode: string, statuses: string): ChainPulseError[] {
    const listed = statuses.split(',').map((status) => Number(status.trim()))
    switch (errorCode) {
      case 'UPSTREAM_UNAVAILABLE':
        return [new UpstreamUnavailableError({ ...context, reason: 'network error' })]
      case 'UPSTREAM_TIMEOUT':
        return [new UpstreamTimeoutError({ ...context, timeoutMs: 1_000 })]
      case 'UPSTREAM_HTTP_ERROR':
        return listed.map((status) => new UpstreamHttpError({ ...context, status }))
      case 'RATE_LIMITED':
        return listed.map((status) => new RateLimitedError({ ...context, status }))
      case 'MALFORMED_RESPONSE':
        return [new MalformedResponseError({ ...context, reason: 'body is not JSON' })]
      case 'ABORTED':
        return [new AbortedError(context)]
      default:
        throw new Error(`no such error code in the table: ${errorCode}`)
    }
  }
  const rows = tableRows('what happened').map(([what, errorCode, statuses, verdict]) => ({
    what: what!,
    errors: errorsOf(code(errorCode!), statuses!),
    verdict: code(verdict!),
  }))

  it.each(rows.map((row) => [row.what, row]))('%s', (_what, row) => {
    for (const error of row.errors)
      expect(judgeThrown(error, 'p', false).kind, error.shortMessage).toBe(row.verdict)
  })
})
