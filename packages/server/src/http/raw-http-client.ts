import { connect, type Socket } from 'node:net'

/** How long a test waits for something a real socket should do soon; generous for a busy machine. */
export const SOCKET_WAIT_MS = 10_000

/** One TCP connection for tests, speaking HTTP/1.1 by hand so each request is on this very socket. */
export interface RawHttpConnection {
  readonly socket: Socket
  /** Every byte received so far, as text. */
  received(): string
  /** Resolves once the server has closed the connection (or it failed); never rejects. */
  readonly closed: Promise<void>
  /** Whether the connection has closed. */
  isClosed(): boolean
  /** Sends `POST path` with a JSON body on this connection and resolves with the answer's status and body. */
  post(path: string, body: string): Promise<{ status: number; body: string }>
  /** Closes the connection from this side and waits until it is closed. */
  close(): Promise<void>
}

/**
 * Opens a TCP connection to `127.0.0.1:port` (from `localAddress` when given: on Linux all of
 * 127.0.0.0/8 is loopback, so `127.0.0.2` is another client IP to the server) and resolves once it is
 * connected. The server may still close it at once: `closed` tells.
 */
export async function openRawConnection(
  port: number,
  options: { localAddress?: string } = {},
): Promise<RawHttpConnection> {
  const socket = connect({
    port,
    host: '127.0.0.1',
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  })
  let text = ''
  let isClosed = false
  const listeners = new Set<() => void>()
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    text += chunk
    for (const listener of [...listeners]) listener()
  })
  // A reset from the server (a refused connection) surfaces as an error before 'close'.
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true
      for (const listener of [...listeners]) listener()
      resolve()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })

  /** Resolves with the first complete response after `from` in the received text. */
  function response(from: number) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const check = () => {
        const rest = text.slice(from)
        const headerEnd = rest.indexOf('\r\n\r\n')
        if (headerEnd >= 0) {
          const head = rest.slice(0, headerEnd)
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
          const body = rest.slice(headerEnd + 4, headerEnd + 4 + length)
          if (Buffer.byteLength(body) >= length) {
            done()
            return resolve({ status: Number(head.split(' ')[1]), body })
          }
        }
        if (isClosed) {
          done()
          reject(new Error(`the connection closed before an answer; received ${JSON.stringify(rest)}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no answer within ${SOCKET_WAIT_MS} ms`))
      }, SOCKET_WAIT_MS)
      const done = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })
  }

  return {
    socket,
    received: () => text,
    closed,
    isClosed: () => isClosed,
    post(path, body) {
      const answer = response(text.length)
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
      return answer
    },
    async close() {
      socket.end()
      await closed
    },
  }
}

/** Resolves `true` once `connection` is closed, `false` if it is still open after `withinMs`. */
export async function closesWithin(
  connection: RawHttpConnection,
  withinMs = SOCKET_WAIT_MS,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const result = await Promise.race([
    connection.closed.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), withinMs)
    }),
  ])
  clearTimeout(timer)
  return result
}
