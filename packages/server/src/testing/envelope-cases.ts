import { scanJson } from '../json-rpc/scan-json.js'

/**
 * The JSON-RPC 2.0 envelope rules as one table, run against `dispatchRpcBody` and against the HTTP
 * route. Calls are answered by an echo upstream: `echo` returns its params, `upstream_error` fails with
 * an upstream error object, any other method returns its own name.
 */

/** One expected response object: the id as raw text, and a result or an error code. */
export interface ExpectedAnswer {
  id: string
  result?: unknown
  error?: number
  dataCode?: string
}

/** One envelope case. `response: undefined` means no body (HTTP 204). */
export interface EnvelopeCase {
  name: string
  body: string
  response: { single: ExpectedAnswer } | { batch: ExpectedAnswer[] } | undefined
}

/** The error the echo upstream answers `upstream_error` with; it must reach the client unchanged. */
export const upstreamErrorObject = {
  code: 3,
  message: 'execution reverted: not owner',
  data: '0x08c379a00000000000000000000000000000000000000000000000000000000000000020',
}

/** Batch limit the table assumes. */
export const envelopeMaxBatchSize = 5
/** Nesting limit the table assumes. */
export const envelopeMaxDepth = 8

const call = (id: string, method = 'eth_chainId', extra = '') =>
  `{"jsonrpc":"2.0","id":${id},"method":"${method}"${extra}}`
const notification = (method = 'eth_chainId') => `{"jsonrpc":"2.0","method":"${method}"}`
const parseError = { single: { id: 'null', error: -32700, dataCode: 'PARSE_ERROR' } }
const invalid = (id = 'null', dataCode = 'INVALID_REQUEST'): ExpectedAnswer => ({
  id,
  error: -32600,
  dataCode,
})
const ok = (id: string, result: unknown = 'eth_chainId'): ExpectedAnswer => ({ id, result })

export const envelopeCases: EnvelopeCase[] = [
  // Parse errors: one error, id null.
  { name: 'truncated object', body: '{"jsonrpc":"2.0","id":1,"method":"x"', response: parseError },
  { name: 'not JSON at all', body: 'hello', response: parseError },
  { name: 'empty body', body: '', response: parseError },
  { name: 'whitespace-only body', body: ' \n ', response: parseError },
  { name: 'trailing comma in batch', body: `[${call('1')},]`, response: parseError },
  { name: 'single quotes', body: "{'jsonrpc':'2.0','id':1,'method':'x'}", response: parseError },
  { name: 'NaN literal as id', body: call('NaN'), response: parseError },
  { name: 'leading zero number', body: call('01'), response: parseError },
  { name: 'byte order mark', body: `\uFEFF${call('1')}`, response: parseError },
  { name: 'batch with one broken element', body: `[${call('1')},{"jsonrpc"]`, response: parseError },
  { name: 'two JSON texts', body: `${call('1')}${call('2')}`, response: parseError },

  // Ids echoed exactly as sent.
  { name: 'integer id', body: call('1'), response: { single: ok('1') } },
  { name: 'string id', body: call('"abc"'), response: { single: ok('"abc"') } },
  { name: 'empty string id', body: call('""'), response: { single: ok('""') } },
  { name: 'null id', body: call('null'), response: { single: ok('null') } },
  {
    name: 'id just above 2^53',
    body: call('9007199254740993'),
    response: { single: ok('9007199254740993') },
  },
  {
    name: '30-digit integer id',
    body: call('123456789012345678901234567890'),
    response: { single: ok('123456789012345678901234567890') },
  },
  {
    name: 'negative huge id',
    body: call('-98765432109876543210'),
    response: { single: ok('-98765432109876543210') },
  },
  { name: 'id 1.0 keeps its fraction', body: call('1.0'), response: { single: ok('1.0') } },
  { name: 'id 1e3 keeps its exponent', body: call('1e3'), response: { single: ok('1e3') } },
  { name: 'id -0', body: call('-0'), response: { single: ok('-0') } },
  {
    name: 'id with escapes kept as written',
    body: call('"\\u0041\\n"'),
    response: { single: ok('"\\u0041\\n"') },
  },
  { name: 'id with non-ASCII text', body: call('"ü🚀"'), response: { single: ok('"ü🚀"') } },
  {
    name: 'id last among members, with whitespace',
    body: '{ "method" : "eth_chainId" , "params" : [ ] , "jsonrpc" : "2.0" , "id" :  42  }',
    response: { single: ok('42') },
  },
  {
    name: 'duplicate id members: the last wins',
    body: call('1', 'eth_chainId', ',"id":"two"'),
    response: { single: ok('"two"') },
  },
  {
    name: 'id key spelled with an escape',
    body: '{"jsonrpc":"2.0","\\u0069d":5,"method":"eth_chainId"}',
    response: { single: ok('5') },
  },
  {
    name: 'params echoed through the upstream',
    body: call('7', 'echo', ',"params":["0x1",{"a":[true,null]}]'),
    response: { single: ok('7', ['0x1', { a: [true, null] }]) },
  },
  {
    name: 'params as an object',
    body: call('8', 'echo', ',"params":{"k":"v"}'),
    response: { single: ok('8', { k: 'v' }) },
  },
  {
    name: 'unknown extra members are ignored',
    body: call('9', 'eth_chainId', ',"extra":1'),
    response: { single: ok('9') },
  },

  // Upstream errors pass through unchanged.
  {
    name: 'upstream error object unchanged',
    body: call('"e"', 'upstream_error'),
    response: { single: { id: '"e"', error: upstreamErrorObject.code } },
  },

  // Notifications get no answer.
  { name: 'single notification', body: notification(), response: undefined },
  {
    name: 'notification with params',
    body: '{"jsonrpc":"2.0","method":"echo","params":[1]}',
    response: undefined,
  },
  { name: 'notification whose upstream fails', body: notification('upstream_error'), response: undefined },

  // Invalid requests: -32600, with the request's id when it has a valid one.
  { name: 'jsonrpc missing', body: '{"id":1,"method":"x"}', response: { single: invalid('1') } },
  {
    name: 'jsonrpc "1.0"',
    body: '{"jsonrpc":"1.0","id":1,"method":"x"}',
    response: { single: invalid('1') },
  },
  {
    name: 'jsonrpc as a number',
    body: '{"jsonrpc":2.0,"id":"a","method":"x"}',
    response: { single: invalid('"a"') },
  },
  { name: 'method missing', body: '{"jsonrpc":"2.0","id":1}', response: { single: invalid('1') } },
  {
    name: 'method a number',
    body: '{"jsonrpc":"2.0","id":1,"method":1}',
    response: { single: invalid('1') },
  },
  {
    name: 'method null',
    body: '{"jsonrpc":"2.0","id":1e3,"method":null}',
    response: { single: invalid('1e3') },
  },
  { name: 'params a string', body: call('1', 'x', ',"params":"foo"'), response: { single: invalid('1') } },
  { name: 'params a number', body: call('1', 'x', ',"params":3'), response: { single: invalid('1') } },
  { name: 'params null', body: call('1', 'x', ',"params":null'), response: { single: invalid('1') } },
  { name: 'id an object', body: call('{"a":1}'), response: { single: invalid() } },
  { name: 'id an array', body: call('[1]'), response: { single: invalid() } },
  { name: 'id a boolean', body: call('true'), response: { single: invalid() } },
  {
    name: 'invalid request without an id is still answered',
    body: '{"jsonrpc":"2.0","method":1}',
    response: { single: invalid() },
  },
  { name: 'empty object', body: '{}', response: { single: invalid() } },
  { name: 'top-level number', body: '1', response: { single: invalid() } },
  { name: 'top-level string', body: '"eth_chainId"', response: { single: invalid() } },
  { name: 'top-level null', body: 'null', response: { single: invalid() } },
  { name: 'top-level true', body: 'true', response: { single: invalid() } },

  // Batches.
  { name: 'empty batch is one error, not an array', body: '[]', response: { single: invalid() } },
  { name: 'empty batch with whitespace', body: ' [ ] ', response: { single: invalid() } },
  { name: 'batch of scalars', body: '[1,2,3]', response: { batch: [invalid(), invalid(), invalid()] } },
  { name: 'batch of one', body: `[${call('1')}]`, response: { batch: [ok('1')] } },
  {
    name: 'mixed batch keeps order and skips notifications',
    body: `[${call('"a"')},${notification()},{"jsonrpc":"2.0","id":2,"method":5},${call('3', 'upstream_error')},${call('1e3')}]`,
    response: {
      batch: [ok('"a"'), invalid('2'), { id: '3', error: upstreamErrorObject.code }, ok('1e3')],
    },
  },
  {
    name: 'batch with huge and fractional ids',
    body: `[${call('9007199254740993')},${call('9007199254740992')},${call('2.50')}]`,
    response: { batch: [ok('9007199254740993'), ok('9007199254740992'), ok('2.50')] },
  },
  {
    name: 'batch with duplicate ids answers each',
    body: `[${call('1')},${call('1')}]`,
    response: { batch: [ok('1'), ok('1')] },
  },
  {
    name: 'batch of notifications only',
    body: `[${notification()},${notification('echo')}]`,
    response: undefined,
  },
  {
    name: 'nested batch is an invalid element',
    body: `[[${call('1')}],${call('2')}]`,
    response: { batch: [invalid(), ok('2')] },
  },
  {
    name: 'batch at the size limit',
    body: `[${Array.from({ length: envelopeMaxBatchSize }, (_, i) => call(String(i))).join(',')}]`,
    response: { batch: Array.from({ length: envelopeMaxBatchSize }, (_, i) => ok(String(i))) },
  },
  {
    name: 'batch over the size limit',
    body: `[${Array.from({ length: envelopeMaxBatchSize + 1 }, (_, i) => call(String(i))).join(',')}]`,
    response: { single: invalid('null', 'BATCH_TOO_LARGE') },
  },
  {
    name: 'nesting over the depth limit',
    body: call('1', 'echo', `,"params":${'['.repeat(envelopeMaxDepth)}${']'.repeat(envelopeMaxDepth)}`),
    response: { single: invalid('null', 'NESTING_TOO_DEEP') },
  },
]

/**
 * Reduces a response body to the {@link EnvelopeCase} shape: ids as raw text (read with the same
 * scanner the server uses, so `1.0` stays `1.0`), results, error codes and `data.code`.
 */
export function describeResponse(body: string | undefined): EnvelopeCase['response'] {
  if (body === undefined || body === '') return undefined
  const scan = scanJson(body, 1_000)
  if (scan.kind !== 'ok') throw new Error(`response is not JSON: ${body}`)
  const value = JSON.parse(body) as unknown
  const toAnswer = (response: Record<string, unknown>, index: number): ExpectedAnswer => {
    const answer: ExpectedAnswer = { id: scan.elements[index]?.idRaw ?? '(missing)' }
    if (response.jsonrpc !== '2.0') throw new Error(`response without jsonrpc "2.0": ${body}`)
    if ('result' in response === 'error' in response)
      throw new Error(`need exactly one of result/error: ${body}`)
    if ('result' in response) answer.result = response.result
    else {
      const error = response.error as { code: unknown; message: unknown; data?: { code?: unknown } }
      if (!Number.isInteger(error.code) || typeof error.message !== 'string')
        throw new Error(`bad error: ${body}`)
      answer.error = error.code as number
      if (typeof error.data?.code === 'string') answer.dataCode = error.data.code
    }
    return answer
  }
  return Array.isArray(value)
    ? { batch: value.map((item, index) => toAnswer(item as Record<string, unknown>, index)) }
    : { single: toAnswer(value as Record<string, unknown>, 0) }
}
