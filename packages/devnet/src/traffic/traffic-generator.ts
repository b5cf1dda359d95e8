import { rpcCall } from '../rpc/json-rpc.js'
import { pingCalldata } from './log-emitter.js'

/** Options of {@link createTrafficGenerator}. */
export interface TrafficGeneratorOptions {
  /** HTTP URL of the node (anvil: dev accounts are unlocked, so `eth_sendTransaction` needs no key). */
  nodeUrl: string
  /** Address of the deployed log emitter. */
  emitterAddress: string
  /** Senders, typically anvil's funded dev accounts. Needs at least two. */
  accounts: readonly string[]
  /** Pause between ticks while running. @default 500 */
  intervalMs?: number
}

/** What one tick sent. */
export interface TrafficTickResult {
  /** Hash of the emitter call (produces one log). */
  pingTx: string
  /** Hash of the plain value transfer. */
  transferTx: string
  /** The value carried in the ping's calldata (a counter). */
  value: number
}

/** Sends transactions to a chain so blocks have transactions and the emitter has logs. */
export interface TrafficGenerator {
  readonly running: boolean
  /** Ticks sent so far. */
  readonly ticks: number
  /** Ticks that failed (the node refused a transaction). */
  readonly failures: number
  /** Starts ticking every `intervalMs`; no-op when running. */
  start(): void
  /** Stops ticking; resolves once an in-flight tick has finished. */
  stop(): Promise<void>
  /** Sends one tick now: a ping to the emitter and a value transfer, from rotating accounts. */
  tick(): Promise<TrafficTickResult>
}

/**
 * Creates a traffic generator for one chain. Ticks never overlap: the next starts `intervalMs` after
 * the previous one finished.
 *
 * @example
 * const traffic = createTrafficGenerator({ nodeUrl, emitterAddress, accounts })
 * await traffic.tick() // mine a block to include it
 */
export function createTrafficGenerator(options: TrafficGeneratorOptions): TrafficGenerator {
  const intervalMs = options.intervalMs ?? 500
  const senders = options.accounts
  if (senders.length < 2) throw new Error('traffic generator needs at least two accounts')
  let ticks = 0
  let failures = 0
  let timer: NodeJS.Timeout | undefined
  let running = false
  let inFlight: Promise<unknown> = Promise.resolve()

  const tick = async (): Promise<TrafficTickResult> => {
    const value = ticks++
    const from = senders[1 + (value % (senders.length - 1))] as string
    const to = senders[(value + 2) % senders.length] as string
    const pingTx = await rpcCall<string>(options.nodeUrl, 'eth_sendTransaction', [
      { from, to: options.emitterAddress, data: pingCalldata(value) },
    ])
    const transferTx = await rpcCall<string>(options.nodeUrl, 'eth_sendTransaction', [
      { from: to === from ? senders[0] : from, to, value: `0x${(1_000_000_000_000 + value).toString(16)}` },
    ])
    return { pingTx, transferTx, value }
  }

  const schedule = () => {
    if (!running) return
    timer = setTimeout(() => {
      inFlight = tick()
        .catch(() => {
          failures++
        })
        .finally(schedule)
    }, intervalMs)
    timer.unref()
  }

  return {
    get running() {
      return running
    },
    get ticks() {
      return ticks
    },
    get failures() {
      return failures
    },
    start() {
      if (running) return
      running = true
      schedule()
    },
    async stop() {
      running = false
      clearTimeout(timer)
      await inFlight
    },
    tick,
  }
}
