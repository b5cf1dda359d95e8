import { once } from 'node:events'
import { type AddressInfo, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from '../testing/harness.js'

// Every answer under /rpc and /ws/rpc is a JSON-RPC error body, whatever went wrong with the request
// and wherever it was refused (router, route, hook or Node's HTTP parser). A real server on a real
// port: fetch for well-formed HTTP, raw sockets for what no HTTP client would send.

const JSON_TYPE = 'application/json; charset=utf-8'
const ROUTES_HINT =
  'use POST /rpc/:chain, /rpc/:strategy/:chain or /rpc/provider/:providerId/:chain, or a WebSocket to /ws/rpc/...'
const WS_HINT = 'open a WebSocket (a GET upgrade) to this URL, or POST JSON-RPC to /rpc/...'
const HTTP_HINT = 'send JSON-RPC with POST (WebSocket clients connect to /ws/rpc/...)'
const EMPTY_SEGMENT = (prefix: string) =>
  `Empty path segment: remove the trailing or doubled "/" (e.g. ${prefix}/ethereum, ${prefix}/fastest/ethereum)`
const KNOWN_STRATEGIES = ['leaderboard', 'priority', 'round-robin', 'fastest', 'cheapest', 'hybrid']
const CALL = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'
const BODY_LIMIT = 1_000

/** The body of every error answer: `id` null and the error object. */
const envelope = (code: number, message: string, data: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: null,
  error: { code, message, data },
})
const notFound = (message: string) => envelope(-32001, message, { code: 'NOT_FOUND' })
const badRequest = (message: string) => envelope(-32600, `Bad request: ${message}`, { code: 'BAD_REQUEST' })
const wrongMethod = (method: string, allow: string, hint: string) =>
  envelope(-32600, `HTTP method ${method} is not allowed here: ${hint}`, {
    code: 'HTTP_METHOD_NOT_ALLOWED',
    allow,
  })

let server: TestServer
let origin: string
let port: number

beforeAll(async () => {
  // No rate limit: the table sends more requests from one IP than the default budget allows.
  server = createTestServer({ config: { rateLimit: false, rpc: { bodyLimitBytes: BODY_LIMIT } } })
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  port = (server.app.server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  await server.close()
})

interface HttpCase {
  name: string
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Uint8Array | ReadableStream<Uint8Array>
  status: number
  allow?: string
  answer: unknown
}

const httpCases: HttpCase[] = [
  {
    name: 'malformed percent-encoding in the chain',
    path: '/rpc/%ff',
    status: 400,
    answer: badRequest('the URL path is not valid percent-encoding'),
  },
  {
    name: 'malformed percent-encoding after a strategy',
    path: '/rpc/fastest/eth%E0%A4%A',
    status: 400,
    answer: badRequest('the URL path is not valid percent-encoding'),
  },
  {
    name: 'unknown chain',
    path: '/rpc/solana',
    status: 404,
    answer: envelope(-32001, 'Unknown chain "solana". Known chains: ethereum (1), polygon (137)', {
      code: 'UNKNOWN_CHAIN',
      knownChains: [
        { name: 'ethereum', chainId: 1 },
        { name: 'polygon', chainId: 137 },
      ],
    }),
  },
  {
    name: 'unknown strategy',
    path: '/rpc/fastest-ever/ethereum',
    status: 404,
    answer: envelope(
      -32001,
      `Unknown strategy "fastest-ever". Known strategies: ${KNOWN_STRATEGIES.join(', ')}`,
      {
        code: 'UNKNOWN_STRATEGY',
        knownStrategies: KNOWN_STRATEGIES,
      },
    ),
  },
  {
    name: 'unknown provider pin',
    path: '/rpc/provider/zulu/ethereum',
    status: 404,
    answer: envelope(-32001, 'Unknown provider "zulu" on chain "ethereum". Known providers: a, b', {
      code: 'UNKNOWN_PROVIDER',
      knownProviders: ['a', 'b'],
    }),
  },
  {
    name: 'too many path segments',
    path: '/rpc/provider/a/ethereum/extra',
    status: 404,
    answer: notFound(
      'No JSON-RPC endpoint at POST /rpc/provider/a/ethereum/extra; use POST /rpc/:chain, /rpc/:strategy/:chain or /rpc/provider/:providerId/:chain',
    ),
  },
  {
    name: 'the bare prefix',
    path: '/rpc',
    status: 404,
    answer: notFound(
      'No JSON-RPC endpoint at POST /rpc; use POST /rpc/:chain, /rpc/:strategy/:chain or /rpc/provider/:providerId/:chain',
    ),
  },
  {
    name: 'a path segment over the router limit',
    path: `/rpc/${'x'.repeat(3_000)}`,
    status: 414,
    answer: badRequest('a path segment is too long'),
  },
  ...['/rpc/ethereum/', '/rpc/', '/rpc//ethereum', '/rpc/fastest/ethereum/', '/rpc/a//b/c/d'].map(
    (path): HttpCase => ({
      name: `an empty segment: ${path}`,
      path,
      status: 404,
      answer: notFound(EMPTY_SEGMENT('/rpc')),
    }),
  ),
  ...['/RPC/ethereum', '/Rpc/fastest/ethereum', '/rPc', '/WS/RPC/ethereum'].map(
    (path): HttpCase => ({
      name: `the prefix in another case: ${path}`,
      path,
      status: 404,
      answer: notFound(`No JSON-RPC endpoint at POST ${path}: paths are case-sensitive; ${ROUTES_HINT}`),
    }),
  ),
  {
    name: 'a query string on a bad path, not echoed (it may hold a key)',
    path: '/RPC/ethereum?apikey=not-for-the-answer',
    status: 404,
    answer: notFound(`No JSON-RPC endpoint at POST /RPC/ethereum: paths are case-sensitive; ${ROUTES_HINT}`),
  },
  ...(['GET', 'PUT', 'PATCH', 'DELETE'] as const).map(
    (method): HttpCase => ({
      name: `HTTP ${method} on a chain`,
      method,
      path: '/rpc/fastest/ethereum',
      // A body of the wrong type too: the method is refused before the content type is looked at.
      ...(method === 'GET' ? {} : { headers: { 'content-type': 'text/plain' }, body: 'x' }),
      status: 405,
      allow: 'POST, OPTIONS',
      answer: wrongMethod(method, 'POST, OPTIONS', HTTP_HINT),
    }),
  ),
  {
    name: 'HTTP POST on a WebSocket endpoint',
    path: '/ws/rpc/ethereum',
    status: 405,
    allow: 'GET',
    answer: wrongMethod('POST', 'GET', WS_HINT),
  },
  {
    name: 'a plain GET on a WebSocket endpoint',
    method: 'GET',
    path: '/ws/rpc/ethereum',
    status: 426,
    answer: envelope(-32600, 'Upgrade required: open a WebSocket to this URL, or POST JSON-RPC to /rpc/...', {
      code: 'UPGRADE_REQUIRED',
    }),
  },
  {
    name: 'a WebSocket path with too many segments',
    method: 'GET',
    path: '/ws/rpc/a/b/c/d',
    status: 404,
    answer: notFound(
      'No JSON-RPC WebSocket endpoint at /ws/rpc/a/b/c/d; use /ws/rpc/:chain, /ws/rpc/:strategy/:chain or /ws/rpc/provider/:providerId/:chain',
    ),
  },
  ...[
    ['text/plain', 'a browser simple request'],
    ['application/x-www-form-urlencoded', "curl -d's default"],
    ['application/json; charset=iso-8859-1', 'a charset other than UTF-8'],
  ].map(
    ([contentType, why]): HttpCase => ({
      name: `content type ${contentType} (${why})`,
      path: '/rpc/ethereum',
      headers: { 'content-type': contentType! },
      status: 415,
      answer: envelope(
        -32042,
        'Unsupported content type: send JSON-RPC as "Content-Type: application/json" (UTF-8)',
        { code: 'UNSUPPORTED_MEDIA_TYPE' },
      ),
    }),
  ),
  {
    name: 'a body without a content type',
    path: '/rpc/ethereum',
    headers: {},
    body: new TextEncoder().encode(CALL),
    status: 415,
    answer: envelope(
      -32042,
      'Unsupported content type: send JSON-RPC as "Content-Type: application/json" (UTF-8)',
      { code: 'UNSUPPORTED_MEDIA_TYPE' },
    ),
  },
  ...[
    ['an empty JSON body', { 'content-type': 'application/json' }],
    ['an empty body without a content type', {}],
  ].map(
    ([name, headers]): HttpCase => ({
      name: name as string,
      path: '/rpc/ethereum',
      headers: headers as Record<string, string>,
      // Bytes, not '': fetch labels a string body text/plain.
      body: new Uint8Array(0),
      // The HTTP request is fine; its JSON-RPC body is not (an empty string is not JSON).
      status: 200,
      answer: envelope(-32700, 'Parse error: the request body is not valid JSON', { code: 'PARSE_ERROR' }),
    }),
  ),
  {
    name: 'a body over the limit, announced by content-length',
    path: '/rpc/ethereum',
    body: 'x'.repeat(BODY_LIMIT + 1),
    status: 413,
    answer: envelope(-32041, `Request body is larger than the limit of ${BODY_LIMIT} bytes`, {
      code: 'PAYLOAD_TOO_LARGE',
      limitBytes: BODY_LIMIT,
    }),
  },
  {
    name: 'a body over the limit, streamed without a length',
    path: '/rpc/ethereum',
    body: new ReadableStream({
      start(controller) {
        for (let chunk = 0; chunk < 5; chunk++) controller.enqueue(new TextEncoder().encode(' '.repeat(400)))
        controller.close()
      },
    }),
    status: 413,
    answer: envelope(-32041, `Request body is larger than the limit of ${BODY_LIMIT} bytes`, {
      code: 'PAYLOAD_TOO_LARGE',
      limitBytes: BODY_LIMIT,
    }),
  },
]

describe('HTTP answers under /rpc and /ws/rpc are JSON-RPC error bodies', () => {
  it.each(httpCases)('$name → $status', async (entry) => {
    const response = await fetch(origin + entry.path, {
      method: entry.method ?? 'POST',
      headers: entry.headers ?? { 'content-type': 'application/json' },
      ...(entry.method === 'GET' ? {} : { body: entry.body ?? CALL }),
      ...(entry.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit)
    expect(response.status).toBe(entry.status)
    expect(response.headers.get('content-type')).toBe(JSON_TYPE)
    expect(response.headers.get('allow')).toBe(entry.allow ?? null)
    expect(await response.json()).toEqual(entry.answer)
  })

  it('answers HEAD on a chain with 405 and the allow header, without a body', async () => {
    const response = await fetch(`${origin}/rpc/ethereum`, { method: 'HEAD' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    expect(await response.text()).toBe('')
  })

  it('serves a well-formed call whatever its query string', async () => {
    const response = await fetch(`${origin}/rpc/ethereum?client=dapp&x=%ff`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CALL,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 'eth_chainId' })
  })

  it('lists OPTIONS as a wrong method too when CORS is off', async () => {
    const closed = createTestServer({ config: { cors: false } })
    try {
      await closed.app.listen({ port: 0, host: '127.0.0.1' })
      const { port: closedPort } = closed.app.server.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${closedPort}/rpc/ethereum`, { method: 'OPTIONS' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(await response.json()).toEqual(wrongMethod('OPTIONS', 'POST', HTTP_HINT))
    } finally {
      await closed.close()
    }
  })

  it('never calls an upstream for any of them', () => {
    expect(server.upstreamCalls()).toEqual([{ method: 'eth_chainId', params: [] }])
  })
})

describe('other routes keep their own formats', () => {
  it.each([
    [
      'an unknown path',
      'GET',
      '/nope',
      404,
      { message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 },
    ],
    [
      'an unknown API path',
      'GET',
      '/api/nope',
      404,
      { message: 'Route GET:/api/nope not found', error: 'Not Found', statusCode: 404 },
    ],
    [
      'a path that only starts like /rpc',
      'POST',
      '/rpcx/ethereum',
      404,
      { message: 'Route POST:/rpcx/ethereum not found', error: 'Not Found', statusCode: 404 },
    ],
    [
      'a bad URL outside /rpc',
      'GET',
      '/api/%ff',
      400,
      {
        statusCode: 400,
        code: 'FST_ERR_BAD_URL',
        error: 'Bad Request',
        message: "'/api/%ff' is not a valid url component",
      },
    ],
  ])('%s: %s %s → %s', async (_name, method, path, status, body) => {
    const response = await fetch(origin + path, { method, ...(method === 'POST' ? { body: CALL } : {}) })
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual(body)
  })

  it('serves /healthz as before', async () => {
    const response = await fetch(`${origin}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok' })
  })
})

/** What came back on a raw socket: the status line's code, the headers and the body, read to the close. */
interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Sends `request` as is on a new socket and reads until the server closes it (the test times out if it never does). */
async function rawExchange(request: string): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    text += chunk
  })
  socket.write(request, 'latin1')
  await once(socket, 'close')
  const [head = '', ...rest] = text.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') }
}

const UPGRADE =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
const PARSE_ERROR = /^Bad request: the HTTP request could not be parsed \(HPE_[A-Z_]+\)$/

interface RawCase {
  name: string
  request: string
  status: number
  /** The exact answer, or for parse errors (whose code names Node's parser state) the message's shape. */
  answer: unknown
}

const rawCases: RawCase[] = [
  {
    name: 'a space inside the /rpc path',
    request: `POST /rpc/eth ereum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${CALL.length}\r\n\r\n${CALL}`,
    status: 400,
    answer: envelope(-32600, expect.stringMatching(PARSE_ERROR) as unknown as string, {
      code: 'BAD_REQUEST',
    }),
  },
  {
    name: 'a control character in the /rpc path',
    request: 'POST /rpc/eth\x01ereum HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
    status: 400,
    answer: envelope(-32600, expect.stringMatching(PARSE_ERROR) as unknown as string, {
      code: 'BAD_REQUEST',
    }),
  },
  {
    name: 'raw UTF-8 in the /rpc path',
    request: 'POST /rpc/\xc3\xa9 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
    status: 400,
    answer: envelope(-32600, expect.stringMatching(PARSE_ERROR) as unknown as string, {
      code: 'BAD_REQUEST',
    }),
  },
  {
    name: 'an unknown HTTP version on /rpc',
    request: 'POST /rpc/ethereum HTTP/9.9\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
    status: 400,
    answer: envelope(-32600, expect.stringMatching(PARSE_ERROR) as unknown as string, {
      code: 'BAD_REQUEST',
    }),
  },
  {
    name: 'a malformed request line on a case variant of /ws/rpc',
    request: 'GET /WS/rpc/eth\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    answer: envelope(-32600, expect.stringMatching(PARSE_ERROR) as unknown as string, {
      code: 'BAD_REQUEST',
    }),
  },
  {
    name: 'headers over the size limit on /rpc',
    request: `POST /rpc/ethereum HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    answer: badRequest('the request headers are too large'),
  },
  {
    name: 'an absolute-form target under a case variant of /rpc',
    request: `POST http://x/RPC/ethereum HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${CALL.length}\r\n\r\n${CALL}`,
    status: 404,
    // The echoed target is a URL, and everything after a URL's origin is redacted in error messages.
    answer: notFound(`No JSON-RPC endpoint at POST http://x/***: paths are case-sensitive; ${ROUTES_HINT}`),
  },
]

describe('requests Node cannot parse, on a JSON-RPC path (raw sockets)', () => {
  it.each(rawCases)('$name → $status', async ({ request, status, answer }) => {
    const reply = await rawExchange(request)
    expect(reply.status).toBe(status)
    expect(reply.headers['content-type']).toBe(JSON_TYPE)
    expect(JSON.parse(reply.body)).toEqual(answer)
  })

  it("leaves Fastify's answer to a malformed request elsewhere", async () => {
    const reply = await rawExchange('POST /api/eth\x01 HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(reply.status).toBe(400)
    expect(JSON.parse(reply.body)).toEqual({ error: 'Bad Request', message: 'Client Error', statusCode: 400 })
  })
})

const upgradeCases: RawCase[] = [
  {
    name: 'malformed percent-encoding',
    request: 'GET /ws/rpc/%ff',
    status: 400,
    answer: badRequest('the URL path is not valid percent-encoding'),
  },
  {
    name: 'an unknown chain',
    request: 'GET /ws/rpc/solana',
    status: 404,
    answer: envelope(-32001, 'Unknown chain "solana". Known chains: ethereum (1), polygon (137)', {
      code: 'UNKNOWN_CHAIN',
      knownChains: [
        { name: 'ethereum', chainId: 1 },
        { name: 'polygon', chainId: 137 },
      ],
    }),
  },
  {
    name: 'an unknown strategy',
    request: 'GET /ws/rpc/fastest-ever/ethereum',
    status: 404,
    answer: envelope(
      -32001,
      `Unknown strategy "fastest-ever". Known strategies: ${KNOWN_STRATEGIES.join(', ')}`,
      {
        code: 'UNKNOWN_STRATEGY',
        knownStrategies: KNOWN_STRATEGIES,
      },
    ),
  },
  {
    name: 'an unknown provider pin',
    request: 'GET /ws/rpc/provider/c/ethereum',
    status: 404,
    answer: envelope(-32001, 'Unknown provider "c" on chain "ethereum". Known providers: a, b', {
      code: 'UNKNOWN_PROVIDER',
      knownProviders: ['a', 'b'],
    }),
  },
  {
    name: 'too many path segments',
    request: 'GET /ws/rpc/a/b/c/d',
    status: 404,
    answer: notFound(
      'No JSON-RPC WebSocket endpoint at /ws/rpc/a/b/c/d; use /ws/rpc/:chain, /ws/rpc/:strategy/:chain or /ws/rpc/provider/:providerId/:chain',
    ),
  },
  {
    name: 'a trailing slash',
    request: 'GET /ws/rpc/ethereum/?x=1',
    status: 404,
    answer: notFound(EMPTY_SEGMENT('/ws/rpc')),
  },
  {
    name: 'a trailing slash after a strategy',
    request: 'GET /ws/rpc/fastest/ethereum/',
    status: 404,
    answer: notFound(EMPTY_SEGMENT('/ws/rpc')),
  },
  ...['/WS/rpc/ethereum', '/ws/RPC/ethereum', '/Ws/Rpc'].map(
    (path): RawCase => ({
      name: `the prefix in another case: ${path}`,
      request: `GET ${path}`,
      status: 404,
      answer: notFound(`No JSON-RPC endpoint at GET ${path}: paths are case-sensitive; ${ROUTES_HINT}`),
    }),
  ),
  {
    name: 'the HTTP endpoint',
    request: 'GET /rpc/ethereum',
    status: 405,
    answer: wrongMethod('GET', 'POST, OPTIONS', HTTP_HINT),
  },
]

describe('refused WebSocket upgrades: an HTTP error with a JSON-RPC body, then the socket is closed', () => {
  it.each(upgradeCases)('$name → $status', async ({ request, status, answer }) => {
    const reply = await rawExchange(`${request} HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`)
    expect(reply.status).toBe(status)
    expect(reply.headers['content-type']).toBe(JSON_TYPE)
    expect(JSON.parse(reply.body)).toEqual(answer)
  })

  // (Under /api, @fastify/websocket accepts the upgrade and closes the WebSocket at once: a clean close.)
  it.each(['/healthz', '/metrics'])(
    'answers an upgrade request to %s and closes its socket',
    async (path) => {
      // rawExchange resolves only once the server closed the socket.
      const reply = await rawExchange(`GET ${path} HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`)
      expect(reply.status).toBeGreaterThanOrEqual(200)
      expect(reply.headers.connection).toBe('close')
    },
  )

  it('closes the socket of a refused upgrade outside the JSON-RPC paths too', async () => {
    const reply = await rawExchange(`GET /nope HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`)
    expect(reply.status).toBe(404)
    expect(JSON.parse(reply.body)).toEqual({
      message: 'Route GET:/nope not found',
      error: 'Not Found',
      statusCode: 404,
    })
  })
})
