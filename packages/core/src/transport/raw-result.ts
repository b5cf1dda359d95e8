/**
 * Returns the exact JSON text of the top-level `result` member of a JSON-RPC response body, or
 * `undefined` when there is none (an error response, a batch, or text that is not one JSON object).
 * Lets a proxy pass a result through byte for byte: re-serialising a parsed result would round integers
 * beyond 2^53 and move integer-like keys to the front of objects.
 *
 * Assumes the body already parsed as JSON (the transport checked it), so it only tracks strings and
 * nesting; one linear pass, no allocation but the returned slice.
 *
 * @example
 * rawResultOf('{"jsonrpc":"2.0","id":1,"result":{"b":1,"10":2}}') // '{"b":1,"10":2}'
 */
export function rawResultOf(body: string): string | undefined {
  return rawMemberOf(body, 'result')
}

/**
 * The exact JSON text of the top-level `error` member of a JSON-RPC response body, as
 * {@link rawResultOf} does for `result`: a proxy relays an upstream's error object byte for byte.
 *
 * @example
 * rawErrorOf('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"header not found"}}')
 * // '{"code":-32000,"message":"header not found"}'
 */
export function rawErrorOf(body: string): string | undefined {
  return rawMemberOf(body, 'error')
}

function rawMemberOf(body: string, member: 'result' | 'error'): string | undefined {
  let index = skipSpace(body, 0)
  if (body[index] !== '{') return undefined
  index++
  for (;;) {
    index = skipSpace(body, index)
    if (body[index] !== '"') return undefined
    const keyEnd = endOfString(body, index)
    const key = body.slice(index + 1, keyEnd - 1)
    index = skipSpace(body, keyEnd)
    if (body[index] !== ':') return undefined
    const valueStart = skipSpace(body, index + 1)
    const valueEnd = endOfValue(body, valueStart)
    if (key === member) return body.slice(valueStart, valueEnd)
    index = skipSpace(body, valueEnd)
    if (body[index] !== ',') return undefined
    index++
  }
}

function skipSpace(text: string, index: number): number {
  while (
    index < text.length &&
    (text[index] === ' ' || text[index] === '\n' || text[index] === '\r' || text[index] === '\t')
  )
    index++
  return index
}

/** Index just past the string that opens at `start` (a `"`). */
function endOfString(text: string, start: number): number {
  let index = start + 1
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1
  return index + 1
}

/** Index just past the value that starts at `start`. */
function endOfValue(text: string, start: number): number {
  const first = text[start]
  if (first === '"') return endOfString(text, start)
  if (first !== '{' && first !== '[') {
    let index = start
    while (index < text.length && !',}] \n\r\t'.includes(text[index]!)) index++
    return index
  }
  let depth = 0
  let index = start
  while (index < text.length) {
    const char = text[index]
    if (char === '"') {
      index = endOfString(text, index)
      continue
    }
    if (char === '{' || char === '[') depth++
    else if (char === '}' || char === ']') {
      depth--
      if (depth === 0) return index + 1
    }
    index++
  }
  return index
}
