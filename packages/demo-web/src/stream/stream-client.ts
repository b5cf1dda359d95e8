/** Connection state of the stream, as the header shows it. */
export type StreamStatus = 'connecting' | 'open' | 'reconnecting'

/** One `{ topic, payload }` message of `GET /api/stream`. */
export interface StreamMessage {
  topic: string
  payload: unknown
  /** In cluster mode, the id of the instance that published a live-topic message. */
  instance?: string
}

/** The part of the browser's WebSocket the client uses (a test passes a fake). */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(): void
}

/** Options of {@link createStreamClient}. */
export interface StreamClientOptions {
  /** `ws://host/api/stream`. */
  url: string
  /** Topics to subscribe to on every (re)connection. */
  topics: readonly string[]
  /** Recent messages per PubSub topic the server replays on each connection. @default 100 */
  replay?: number
  /** Called once per frame with every message that arrived since the previous frame, in order. */
  onBatch(messages: StreamMessage[], dropped: number): void
  /** Called on each status change. */
  onStatus?(status: StreamStatus): void
  /** Called when a connection opens, before its first batch (`reconnect` false the first time). */
  onOpen?(reconnect: boolean): void
  /** @default globalThis.WebSocket */
  createSocket?: (url: string) => WebSocketLike
  /** Runs `flush` before the next paint. @default requestAnimationFrame */
  scheduleFrame?: (flush: () => void) => void
  /** Timer for reconnect delays. @default globalThis.setTimeout / clearTimeout */
  setTimer?: (run: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
  /** First reconnect delay; doubles per failed attempt up to `maxReconnectMs`. @default 500 */
  minReconnectMs?: number
  /** @default 8_000 */
  maxReconnectMs?: number
  /**
   * Messages held between two frames at most; older ones are dropped (and counted) when a hidden tab
   * stops painting. @default 5_000
   */
  maxPending?: number
}

/** The dashboard's single live connection. */
export interface StreamClient {
  /** Subscribes to more topics now and on every later connection. */
  subscribe(topics: readonly string[]): void
  /** Stops reconnecting and closes the socket. */
  close(): void
}

const OPEN = 1

/**
 * Opens the one WebSocket the dashboard uses for all live data. Messages are queued and handed over
 * once per animation frame, so a 1,000 events/s stream causes at most one render per frame; the queue
 * is bounded, so a tab that stops painting cannot grow without limit. A closed connection is retried
 * with exponential backoff, and each new connection re-subscribes (with replay) to every topic.
 *
 * @example
 * const client = createStreamClient({
 *   url: `ws://${location.host}/api/stream`,
 *   topics: ['routing:decisions', 'providers'],
 *   onBatch: (messages) => store.apply(messages),
 * })
 */
export function createStreamClient(options: StreamClientOptions): StreamClient {
  const createSocket =
    options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike)
  const scheduleFrame = options.scheduleFrame ?? ((flush: () => void) => requestAnimationFrame(flush))
  const setTimer = options.setTimer ?? ((run: () => void, ms: number) => setTimeout(run, ms))
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as number))
  const minDelay = options.minReconnectMs ?? 500
  const maxDelay = options.maxReconnectMs ?? 8_000
  const maxPending = options.maxPending ?? 5_000
  const replay = options.replay ?? 100
  const topics = new Set(options.topics)

  let socket: WebSocketLike | undefined
  let pending: StreamMessage[] = []
  let dropped = 0
  let frameScheduled = false
  let delay = minDelay
  let timer: unknown
  let closed = false
  let opened = false

  const setStatus = (status: StreamStatus) => options.onStatus?.(status)

  function flush(): void {
    frameScheduled = false
    if (pending.length === 0 && dropped === 0) return
    const batch = pending
    const lost = dropped
    pending = []
    dropped = 0
    options.onBatch(batch, lost)
  }

  function enqueue(message: StreamMessage): void {
    pending.push(message)
    if (pending.length > maxPending) {
      const excess = pending.length - maxPending
      pending.splice(0, excess)
      dropped += excess
    }
    if (!frameScheduled) {
      frameScheduled = true
      scheduleFrame(flush)
    }
  }

  function handle(data: unknown): void {
    if (typeof data !== 'string') return
    let message: unknown
    try {
      message = JSON.parse(data)
    } catch {
      return
    }
    if (typeof message !== 'object' || message === null) return
    const record = message as Record<string, unknown>
    if (typeof record.dropped === 'number') {
      dropped += record.dropped
      if (!frameScheduled) {
        frameScheduled = true
        scheduleFrame(flush)
      }
    }
    if (typeof record.topic === 'string')
      enqueue(
        typeof record.instance === 'string'
          ? { topic: record.topic, payload: record.payload, instance: record.instance }
          : { topic: record.topic, payload: record.payload },
      )
  }

  function connect(): void {
    if (closed) return
    const current = createSocket(options.url)
    socket = current
    current.onopen = () => {
      if (socket !== current) return
      delay = minDelay
      options.onOpen?.(opened)
      opened = true
      setStatus('open')
      current.send(JSON.stringify({ subscribe: [...topics], replay }))
    }
    current.onmessage = (event) => {
      if (socket === current) handle(event.data)
    }
    current.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    }
    current.onclose = () => {
      if (socket !== current || closed) return
      socket = undefined
      setStatus('reconnecting')
      timer = setTimer(() => {
        timer = undefined
        connect()
      }, delay)
      delay = Math.min(delay * 2, maxDelay)
    }
  }

  setStatus('connecting')
  connect()

  return {
    subscribe(more) {
      const added = more.filter((topic) => !topics.has(topic))
      for (const topic of added) topics.add(topic)
      if (added.length > 0 && socket?.readyState === OPEN)
        socket.send(JSON.stringify({ subscribe: added, replay }))
    },
    close() {
      closed = true
      if (timer !== undefined) clearTimer(timer)
      const current = socket
      socket = undefined
      current?.close()
    },
  }
}
