/**
 * One JSON-RPC call over HTTP (a node or a simulated provider), for tests and benchmarks that check
 * ChainPulse against the chain itself: the call's result, or an error carrying the node's message.
 *
 * @throws {Error} `<method>: <message>` on a JSON-RPC error
 * @example
 * const head = await nodeCall<string>(devnet.manifest.chains[0].nodeUrl, 'eth_blockNumber')
 */
export async function nodeCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await response.json()) as { result?: T; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result as T
}
