import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ProviderPool } from '@chainpulse/core'

/** One JSON-RPC call a {@link HeldUpstream} received. */
export interface ReceivedCall {
  method: string
  params: unknown[]
}

/** A JSON-RPC node over real HTTP whose answers can be held back, so identical calls overlap. */
export interface HeldUpstream {
  /** `http://127.0.0.1:<port>`. */
  url: string
  /** Every call received, in order (the caller may empty it). */
  received: ReceivedCall[]
  /** From now on, answers to the held methods wait until {@link release}. */
  hold(): void
  release(): void
  close(): void
}

/**
 * Starts a node on loopback that answers each call with `result(call, received)` (the JSON text of its
 * `result`); while held, the answers of methods `isHeld` picks wait for `release()`.
 *
 * @example
 * const upstream = await startHeldUpstream(() => '"0x1"')
 */
export async function startHeldUpstream(
  result: (call: ReceivedCall, received: readonly ReceivedCall[]) => string,
  isHeld: (method: string) => boolean = () => true,
): Promise<HeldUpstream> {
  const received: ReceivedCall[] = []
  let held: Promise<void> = Promise.resolve()
  let release = () => {}
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', async () => {
      const { id, method, params = [] } = JSON.parse(body) as ReceivedCall & { id: number }
      const call = { method, params }
      received.push(call)
      const text = result(call, received)
      if (isHeld(method)) await held
      response.setHeader('content-type', 'application/json')
      response.end(`{"jsonrpc":"2.0","id":${id},"result":${text}}`)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    hold() {
      held = new Promise((resolve) => {
        release = resolve
      })
    },
    release: () => release(),
    close: () => void server.close(),
  }
}

/** `pool` as a server sees it, counting the calls handed to it. */
export function countingPool(pool: ProviderPool): { pool: ProviderPool; handed(): number } {
  let handed = 0
  const counted: ProviderPool = Object.assign(Object.create(pool) as ProviderPool, {
    request: ((call, options) => {
      handed++
      return pool.request(call, options)
    }) as ProviderPool['request'],
  })
  return { pool: counted, handed: () => handed }
}
