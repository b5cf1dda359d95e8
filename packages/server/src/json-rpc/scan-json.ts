/**
 * What {@link scanJson} learned about a JSON text: its top-level shape and, for each top-level request
 * object, the raw text of its `id` member. Values themselves come from `JSON.parse`; this scan exists to
 * keep what `JSON.parse` loses (the exact spelling of a number such as `1.0`, `1e3` or `9007199254740993`)
 * and to refuse absurd nesting before any recursive code touches the value.
 */
export type JsonScanResult =
  | { kind: 'ok'; top: 'object' | 'array' | 'scalar'; elements: readonly ScannedElement[] }
  | { kind: 'syntax-error'; position: number }
  | { kind: 'too-deep'; limit: number }

/**
 * One top-level request: the body itself when it is an object, or one element of a top-level array.
 * `idRaw` is the exact source text of the last `id` member when its value is a string, number or
 * `null` (the member `JSON.parse` keeps); `undefined` when there is none or its value is not a scalar.
 */
export interface ScannedElement {
  idRaw: string | undefined
}

// Character codes the scanner compares against.
const Char = {
  Tab: 9,
  Newline: 10,
  Return: 13,
  Space: 32,
  Quote: 34,
  Plus: 43,
  Comma: 44,
  Minus: 45,
  Dot: 46,
  Slash: 47,
  Zero: 48,
  Nine: 57,
  Colon: 58,
  UpperE: 69,
  OpenBracket: 91,
  Backslash: 92,
  CloseBracket: 93,
  LowerE: 101,
  OpenBrace: 123,
  CloseBrace: 125,
} as const

const OBJECT = 1
const ARRAY = 2

class SyntaxFailure {
  constructor(readonly position: number) {}
}

/**
 * Validates `text` as strict RFC 8259 JSON in one iterative pass (no recursion, so nesting cannot
 * overflow the stack) and records, for each top-level request object, the raw text of its `id`.
 * Containers nested deeper than `maxDepth` stop the scan early.
 *
 * @example
 * scanJson('{"jsonrpc":"2.0","id":1.0,"method":"eth_chainId"}', 64)
 * // { kind: 'ok', top: 'object', elements: [{ idRaw: '1.0' }] }
 */
export function scanJson(text: string, maxDepth: number): JsonScanResult {
  try {
    return scan(text, maxDepth)
  } catch (error) {
    if (error instanceof SyntaxFailure) return { kind: 'syntax-error', position: error.position }
    throw error
  }
}

function scan(text: string, maxDepth: number): JsonScanResult {
  const length = text.length
  const stack: number[] = []
  const elements: ScannedElement[] = []
  let pos = skipWhitespace(text, 0)
  if (pos >= length) throw new SyntaxFailure(pos)

  const firstChar = text.charCodeAt(pos)
  const top = firstChar === Char.OpenBrace ? 'object' : firstChar === Char.OpenBracket ? 'array' : 'scalar'
  // Members of a request object sit at this many open containers.
  const requestDepth = top === 'object' ? 1 : 2
  let current: ScannedElement | undefined
  let memberIsId = false

  /** Reads `"key":` of an object member; at request depth, notes whether the member is `id`. */
  function readMember(start: number): number {
    const end = skipString(text, start)
    if (stack.length === requestDepth) {
      memberIsId = isIdKey(text, start, end)
      // A later `id` replaces an earlier one, as in JSON.parse; forget the earlier raw text.
      if (memberIsId && current) current.idRaw = undefined
    }
    let pos = skipWhitespace(text, end)
    if (text.charCodeAt(pos) !== Char.Colon) throw new SyntaxFailure(pos)
    pos = skipWhitespace(text, pos + 1)
    return pos
  }

  for (;;) {
    // A value starts at `pos`.
    const valueStart = pos
    const c = text.charCodeAt(pos)
    if (c === Char.OpenBrace || c === Char.OpenBracket) {
      if (stack.length >= maxDepth) return { kind: 'too-deep', limit: maxDepth }
      const isObject = c === Char.OpenBrace
      stack.push(isObject ? OBJECT : ARRAY)
      if (isObject && stack.length === requestDepth) {
        current = { idRaw: undefined }
        memberIsId = false
      }
      pos = skipWhitespace(text, pos + 1)
      const close = isObject ? Char.CloseBrace : Char.CloseBracket
      if (text.charCodeAt(pos) === close) {
        pos++
        stack.pop()
        // An empty container ends here; fall through to the "after a value" loop below.
      } else {
        if (isObject) pos = readMember(pos)
        continue
      }
    } else {
      if (c === Char.Quote) pos = skipString(text, pos)
      else if (c === Char.Minus || (c >= Char.Zero && c <= Char.Nine)) pos = skipNumber(text, pos)
      else pos = skipLiteral(text, pos)
      if (stack.length === requestDepth && memberIsId && current && stack[stack.length - 1] === OBJECT) {
        current.idRaw = text.slice(valueStart, pos)
      }
    }

    // After a value: close containers, or find the next value.
    for (;;) {
      if (stack.length === requestDepth - 1 && top !== 'scalar') {
        // A whole top-level request (or array element) just ended.
        elements.push(current ?? { idRaw: undefined })
        current = undefined
        memberIsId = false
      }
      if (stack.length === 0) {
        pos = skipWhitespace(text, pos)
        if (pos !== length) throw new SyntaxFailure(pos)
        return { kind: 'ok', top, elements: top === 'scalar' ? [] : elements }
      }
      pos = skipWhitespace(text, pos)
      const container = stack[stack.length - 1]
      const next = text.charCodeAt(pos)
      if (next === Char.Comma) {
        pos = skipWhitespace(text, pos + 1)
        if (container === OBJECT) pos = readMember(pos)
        break
      }
      if (next === (container === OBJECT ? Char.CloseBrace : Char.CloseBracket)) {
        pos++
        stack.pop()
        continue
      }
      throw new SyntaxFailure(pos)
    }
  }
}

function skipWhitespace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos)
    if (c === Char.Space || c === Char.Newline || c === Char.Return || c === Char.Tab) pos++
    else return pos
  }
}

/**
 * A run of string characters that need no check: not a quote, a backslash or a control character. The
 * regex engine skips a long run (a 5 KB id, a hex blob) several times faster than a loop over char codes.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the run must stop at them, JSON forbids them raw in a string
const plainRun = /[^"\\\u0000-\u001f]*/y

function skipString(text: string, pos: number): number {
  if (text.charCodeAt(pos) !== Char.Quote) throw new SyntaxFailure(pos)
  pos++
  for (;;) {
    plainRun.lastIndex = pos
    plainRun.test(text)
    pos = plainRun.lastIndex
    const c = text.charCodeAt(pos)
    if (Number.isNaN(c) || c < Char.Space) throw new SyntaxFailure(pos)
    if (c === Char.Quote) return pos + 1
    if (c === Char.Backslash) {
      const escaped = text.charCodeAt(pos + 1)
      if (escaped === 117 /* u */) {
        for (let i = 2; i < 6; i++)
          if (!isHexDigit(text.charCodeAt(pos + i))) throw new SyntaxFailure(pos + i)
        pos += 6
      } else if (
        escaped === Char.Quote ||
        escaped === Char.Backslash ||
        escaped === Char.Slash ||
        escaped === 98 /* b */ ||
        escaped === 102 /* f */ ||
        escaped === 110 /* n */ ||
        escaped === 114 /* r */ ||
        escaped === 116 /* t */
      ) {
        pos += 2
      } else {
        throw new SyntaxFailure(pos + 1)
      }
    } else {
      pos++
    }
  }
}

/**
 * Whether the key string `text[start, end)` (quotes included) is `id`, without slicing it in the common
 * case. An escaped spelling such as `"\u0069d"` (9 to 14 characters) is still the key `id` for
 * JSON.parse.
 */
function isIdKey(text: string, start: number, end: number): boolean {
  const length = end - start
  if (length === 4)
    return text.charCodeAt(start + 1) === 105 /* i */ && text.charCodeAt(start + 2) === 100 /* d */
  if (length < 9 || length > 14) return false
  const raw = text.slice(start, end)
  return raw.includes('\\') && JSON.parse(raw) === 'id'
}

function isHexDigit(c: number): boolean {
  return (c >= Char.Zero && c <= Char.Nine) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}

function isDigit(c: number): boolean {
  return c >= Char.Zero && c <= Char.Nine
}

function skipDigits(text: string, pos: number): number {
  if (!isDigit(text.charCodeAt(pos))) throw new SyntaxFailure(pos)
  while (isDigit(text.charCodeAt(pos))) pos++
  return pos
}

function skipNumber(text: string, pos: number): number {
  // -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
  if (text.charCodeAt(pos) === Char.Minus) pos++
  if (text.charCodeAt(pos) === Char.Zero) pos++
  else pos = skipDigits(text, pos)
  if (text.charCodeAt(pos) === Char.Dot) pos = skipDigits(text, pos + 1)
  const e = text.charCodeAt(pos)
  if (e === Char.LowerE || e === Char.UpperE) {
    pos++
    const sign = text.charCodeAt(pos)
    if (sign === Char.Plus || sign === Char.Minus) pos++
    pos = skipDigits(text, pos)
  }
  return pos
}

function skipLiteral(text: string, pos: number): number {
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, pos)) return pos + literal.length
  }
  throw new SyntaxFailure(pos)
}
