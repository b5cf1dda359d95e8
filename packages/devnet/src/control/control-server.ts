import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Devnet } from '../devnet.js'
import { DevnetConfigError, DevnetLookupError } from '../errors.js'
import { LOOPBACK_HOST, loopbackUrl } from '../loopback.js'
import type { SimulatedProvider } from '../provider/simulated-provider.js'

/** The running control API. */
export interface ControlServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

type Handler = (params: string[], body: unknown) => Promise<{ status?: number; body: unknown }>

/** A JSON error answer with the HTTP status it maps to. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The control API: a few JSON routes over the programmatic handle, so tools in any language (and the
 * demo) can change providers at runtime. Every route is listed in docs/devnet.md.
 */
function routes(devnet: Devnet): [method: string, pattern: RegExp, handler: Handler][] {
  const provider = (id: string | undefined) => devnet.provider(decodeURIComponent(id ?? ''))
  return [
    ['GET', /^\/manifest$/, async () => ({ body: devnet.manifest })],
    ['GET', /^\/providers$/, async () => ({ body: devnet.providers().map(describe) })],
    [
      'POST',
      /^\/providers$/,
      async (_p, body) => {
        const options = asObject(body)
        if (typeof options.chain !== 'string')
          throw new DevnetConfigError('add provider: chain: required', ['chain'])
        const added = await devnet.addProvider(options as unknown as Parameters<Devnet['addProvider']>[0])
        return { status: 201, body: describe(added) }
      },
    ],
    ['GET', /^\/providers\/([^/]+)$/, async ([id]) => ({ body: describe(provider(id)) })],
    [
      'PATCH',
      /^\/providers\/([^/]+)$/,
      async ([id], body) => {
        const target = provider(id)
        await target.set(asObject(body))
        return { body: describe(target) }
      },
    ],
    [
      'DELETE',
      /^\/providers\/([^/]+)$/,
      async ([id]) => {
        const target = provider(id)
        await devnet.removeProvider(target.id)
        return { body: { removed: target.id } }
      },
    ],
    [
      'POST',
      /^\/providers\/([^/]+)\/kill$/,
      async ([id]) => {
        const target = provider(id)
        await target.kill()
        return { body: describe(target) }
      },
    ],
    [
      'POST',
      /^\/providers\/([^/]+)\/revive$/,
      async ([id]) => {
        const target = provider(id)
        await target.revive()
        return { body: describe(target) }
      },
    ],
    [
      'POST',
      /^\/providers\/([^/]+)\/drop$/,
      async ([id]) => ({ body: { dropped: provider(id).dropConnections() } }),
    ],
    ['GET', /^\/chains$/, async () => ({ body: devnet.manifest.chains })],
    [
      'POST',
      /^\/chains\/([^/]+)\/mine$/,
      async ([name], body) => {
        const { blocks = 1 } = asObject(body ?? {}) as { blocks?: unknown }
        if (typeof blocks !== 'number')
          throw new DevnetConfigError('mine: blocks: must be a number', ['blocks'])
        return { body: { blockNumber: await devnet.chain(decodeURIComponent(name ?? '')).mine(blocks) } }
      },
    ],
    [
      'POST',
      /^\/chains\/([^/]+)\/reorg$/,
      async ([name], body) => {
        const { depth, transactions, ...unknown } = asObject(body ?? {}) as Record<string, unknown>
        const extra = Object.keys(unknown)[0]
        if (extra !== undefined) throw new DevnetConfigError(`reorg: ${extra}: unknown field`, [extra])
        if (typeof depth !== 'number')
          throw new DevnetConfigError('reorg: depth: must be a number', ['depth'])
        if (transactions !== undefined && transactions !== 'keep' && transactions !== 'drop')
          throw new DevnetConfigError('reorg: transactions: must be "keep" or "drop"', ['transactions'])
        const chain = devnet.chain(decodeURIComponent(name ?? ''))
        return { body: await chain.reorg(depth, transactions === undefined ? {} : { transactions }) }
      },
    ],
    [
      'POST',
      /^\/chains\/([^/]+)\/traffic\/(start|stop)$/,
      async ([name, action]) => {
        const chain = devnet.chain(decodeURIComponent(name ?? ''))
        if (action === 'start') chain.traffic.start()
        else await chain.traffic.stop()
        return { body: { chain: chain.name, running: chain.traffic.running, ticks: chain.traffic.ticks } }
      },
    ],
  ]
}

function describe(provider: SimulatedProvider) {
  return {
    id: provider.id,
    chain: provider.chain,
    chainId: provider.chainId,
    httpUrl: provider.httpUrl,
    wsUrl: provider.wsUrl,
    profile: provider.profile ?? null,
    personality: provider.personality,
    stats: provider.stats(),
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DevnetConfigError('request body: (root): expected a JSON object')
  }
  return body as Record<string, unknown>
}

/**
 * Starts the control API on 127.0.0.1.
 *
 * @throws {Error} when the port cannot be bound
 * @example
 * const control = await startControlServer(devnet, 0)
 * await fetch(`${control.url}/providers/ethereum-alpha/kill`, { method: 'POST' })
 */
export async function startControlServer(devnet: Devnet, port: number): Promise<ControlServer> {
  const table = routes(devnet)
  const sockets = new Set<Socket>()
  const server = createServer((request, response) => {
    handle(table, request, response).catch(() => {
      // the response already failed; nothing left to tell the client
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
  return {
    url: loopbackUrl('http', boundPort),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

async function handle(
  table: ReturnType<typeof routes>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://control').pathname.replace(/\/+$/, '') || '/'
  try {
    const matching = table.filter(([, pattern]) => pattern.test(path))
    if (matching.length === 0) throw new HttpError(404, `no route ${path}`)
    const route = matching.find(([method]) => method === request.method)
    if (!route) throw new HttpError(405, `${request.method} not allowed on ${path}`)
    const params = route[1].exec(path)?.slice(1) ?? []
    const body = await readJson(request)
    const result = await route[2](params, body)
    send(response, result.status ?? 200, result.body)
  } catch (error) {
    const status =
      error instanceof HttpError
        ? error.status
        : error instanceof DevnetConfigError
          ? 400
          : error instanceof DevnetLookupError
            ? 404
            : 500
    const message = error instanceof Error ? error.message : String(error)
    const path = error instanceof DevnetConfigError ? error.path : undefined
    send(response, status, { error: { message, ...(path ? { path } : {}) } })
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new DevnetConfigError('request body: (root): not valid JSON')
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}
