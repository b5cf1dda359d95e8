import { type ChildProcess, spawn } from 'node:child_process'
import { AnvilError } from '../errors.js'
import { LOOPBACK_HOST, loopbackUrl } from '../loopback.js'
import { rpcCall } from '../rpc/json-rpc.js'
import { locateAnvil } from './locate-anvil.js'

/** How a chain produces blocks: every `n` ms, only when asked (`manual`), or one block per transaction (`auto`). */
export type BlockTime = number | 'manual' | 'auto'

/** EVM hardforks anvil can run, oldest first. */
export const ANVIL_HARDFORKS = ['london', 'paris', 'shanghai', 'cancun', 'prague', 'osaka'] as const

/** An EVM hardfork anvil can run (its `--hardfork`). */
export type AnvilHardfork = (typeof ANVIL_HARDFORKS)[number]

/** Options of {@link spawnAnvil}. */
export interface SpawnAnvilOptions {
  chainId: number
  /** @default 'manual' */
  blockTime?: BlockTime
  /** Port to listen on; 0 lets anvil pick a free one. @default 0 */
  port?: number
  /** Path of the anvil binary. @default {@link locateAnvil}() */
  anvilPath?: string
  /** How long to wait for the node to answer. @default 15000 */
  readyTimeoutMs?: number
  /**
   * The EVM hardfork (`--hardfork`). From Prague on, every block writes its parent's hash into the
   * EIP-2935 history contract and anvil recomputes the state root over that contract's growing storage
   * (up to 8,191 slots), so each block costs more than the last; `'cancun'` keeps the cost flat.
   * @default anvil's latest
   */
  hardfork?: AnvilHardfork
  /**
   * Keep no past states (`--prune-history`). Otherwise anvil copies the whole state, every block hash
   * included, for each block it mines, so mining slows as the chain grows. Blocks, receipts and logs are
   * all kept; only calls against a past block's state (`eth_getBalance(address, '0x2')`) fail.
   * @default false
   */
  pruneHistory?: boolean
}

/** A running anvil node. */
export interface AnvilNode {
  readonly chainId: number
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `ws://127.0.0.1:<port>` (anvil serves both on one port) */
  readonly wsUrl: string
  /** Process id of anvil itself (not of its watchdog shell). */
  readonly pid: number
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
  /** Stops the node (SIGTERM, then SIGKILL after a grace period); resolves when it has exited. Idempotent. */
  stop(): Promise<void>
}

/**
 * Wraps anvil in a tiny `sh` watchdog that kills it as soon as our end of its stdin closes. The kernel
 * closes that pipe however this process ends — normal exit, crash or SIGKILL — so anvil can never
 * outlive its parent, which a `process.on('exit')` handler alone cannot promise. The watchdog itself
 * exits with anvil, so an anvil that fails to start is reported at once.
 *
 * (Background jobs of a non-interactive shell read /dev/null, hence stdin is passed on as fd 3.)
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$0" "$@" 3<&- &',
  'pid=$!',
  'echo "anvil-pid $pid" >&2',
  '{ read -r _ignored <&3; kill $pid 2>/dev/null; } &',
  'watcher=$!',
  "trap 'kill $pid 2>/dev/null' TERM INT HUP",
  'wait $pid',
  'code=$?',
  // a trapped signal interrupts the first wait; the second one waits for anvil to really be gone
  'wait $pid 2>/dev/null',
  'kill $watcher 2>/dev/null',
  'exit $code',
].join('\n')

const live = new Set<{ pid: number; child: ChildProcess }>()
let exitHookInstalled = false

/** Last-chance cleanup: synchronously SIGKILL every node still running when this process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const { pid, child } of live) {
      tryKill(pid, 'SIGKILL')
      child.kill('SIGKILL')
    }
  })
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Starts one anvil node on 127.0.0.1 and resolves once it answers `eth_chainId`.
 *
 * @throws {AnvilError} when anvil cannot be found, exits early or is not ready in time
 * @example
 * const node = await spawnAnvil({ chainId: 137, blockTime: 200 })
 * await node.stop()
 */
export async function spawnAnvil(options: SpawnAnvilOptions): Promise<AnvilNode> {
  const anvilPath = options.anvilPath ?? locateAnvil()
  const args = [
    '--host',
    LOOPBACK_HOST,
    '--port',
    String(options.port ?? 0),
    '--chain-id',
    String(options.chainId),
    '--color',
    'never',
    ...blockTimeArgs(options.blockTime ?? 'manual'),
    ...(options.hardfork ? ['--hardfork', options.hardfork] : []),
    ...(options.pruneHistory ? ['--prune-history'] : []),
  ]
  const useWatchdog = process.platform !== 'win32'
  const child = useWatchdog
    ? spawn('/bin/sh', ['-c', WATCHDOG, anvilPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(anvilPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  installExitHook()
  const entry = { pid: child.pid ?? -1, child }
  live.add(entry)

  let output = ''
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(entry)
      resolve()
    })
  })

  const ready = new Promise<{ port: number; pid: number }>((resolve, reject) => {
    let port: number | undefined
    let pid = useWatchdog ? undefined : child.pid
    const settle = () => {
      if (port !== undefined && pid !== undefined) resolve({ port, pid })
    }
    const collect = (chunk: Buffer) => {
      // anvil logs every block; keep only enough to report a failed start
      if (output.length < 20_000) output += chunk.toString('utf8')
      if (port === undefined) {
        const match = /Listening on [^\s:]+:(\d+)/.exec(output)
        if (match) port = Number(match[1])
      }
      if (pid === undefined) {
        const match = /anvil-pid (\d+)/.exec(output)
        if (match) pid = Number(match[1])
      }
      settle()
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.once('error', (error) =>
      reject(new AnvilError(`cannot start anvil (${anvilPath}): ${error.message}`)),
    )
    child.once('exit', (code, signal) =>
      reject(
        new AnvilError(
          `anvil exited before it was ready (code ${code}, signal ${signal}):\n${output.slice(-2000)}`,
        ),
      ),
    )
  })

  const timeoutMs = options.readyTimeoutMs ?? 15_000
  let timer: NodeJS.Timeout | undefined
  const stopEarly = async () => {
    child.stdin?.end()
    child.kill('SIGKILL')
    await exited
  }
  try {
    const { port, pid } = await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AnvilError(`anvil not ready after ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    entry.pid = pid
    const url = loopbackUrl('http', port)
    await rpcCall(url, 'eth_chainId')
    let stopping: Promise<void> | undefined
    return {
      chainId: options.chainId,
      port,
      url,
      wsUrl: loopbackUrl('ws', port),
      pid,
      exited,
      stop() {
        stopping ??= stopProcess(child, pid, exited)
        return stopping
      },
    }
  } catch (error) {
    if (entry.pid > 0 && entry.pid !== child.pid) tryKill(entry.pid, 'SIGKILL')
    await stopEarly()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

async function stopProcess(child: ChildProcess, pid: number, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  // closing stdin makes the watchdog SIGTERM anvil and wait for it
  child.stdin?.end()
  if (process.platform === 'win32') child.kill('SIGTERM')
  const grace = setTimeout(() => {
    tryKill(pid, 'SIGKILL')
    child.kill('SIGKILL')
  }, 3_000)
  await exited
  clearTimeout(grace)
  // a watchdog that exited by itself has reaped anvil; one killed by a signal may have left it running
  if (child.signalCode !== null) tryKill(pid, 'SIGKILL')
}

function blockTimeArgs(blockTime: BlockTime): string[] {
  if (blockTime === 'manual') return ['--no-mining']
  if (blockTime === 'auto') return []
  return ['--block-time', String(blockTime / 1000)]
}
