import type { AddressInfo } from 'node:net'
import { ConfigError } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import type { ServerConfigInput } from '../config/server-config.js'
import { type TestServer, useTestServerPerTest } from '../testing/harness.js'
import { openTestClient } from '../ws/test-client.js'

// The method lists (`rpc.methods`) as a client sees them, over real HTTP and WebSocket: what is denied
// by default, what the refusal says, and how configuration serves a method again.

const start = useTestServerPerTest()

async function listening(config: ServerConfigInput = {}): Promise<TestServer & { origin: string }> {
  const server = start({ config })
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...server, origin: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}` }
}

async function post(origin: string, body: unknown, path = '/rpc/ethereum') {
  const response = await fetch(origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

const call = (method: string, id: number | string = 1) => ({ jsonrpc: '2.0', id, method, params: [] })

/** The refusal of a method denied by default. */
function deniedByDefault(method: string, pattern: string, why: string) {
  return {
    code: -32601,
    message: `Method "${method}" is not allowed by this ChainPulse endpoint: ${why} methods ("${pattern}") are denied by default; to serve it, add "${pattern}" or "${method}" to the server's rpc.methods.enable`,
    data: { code: 'METHOD_NOT_ALLOWED', method, rule: 'default-deny', pattern },
  }
}

const SIGNING = 'signing with keys held by the node'
const ADMIN = 'node administration'
const DEBUG = 'node debugging and tracing'
const DEV_NODE = 'development-node state control'

const deniedByDefaultCases = [
  ['eth_sign', 'eth_sign*', SIGNING],
  ['eth_signTransaction', 'eth_sign*', SIGNING],
  ['eth_signTypedData_v4', 'eth_sign*', SIGNING],
  ['eth_sendTransaction', 'eth_sendTransaction', SIGNING],
  ['personal_unlockAccount', 'personal_*', SIGNING],
  ['admin_addPeer', 'admin_*', ADMIN],
  ['miner_start', 'miner_*', ADMIN],
  ['engine_getPayloadV3', 'engine_*', ADMIN],
  ['clique_propose', 'clique_*', ADMIN],
  ['debug_traceTransaction', 'debug_*', DEBUG],
  ['trace_filter', 'trace_*', DEBUG],
  ['anvil_setBalance', 'anvil_*', DEV_NODE],
  ['evm_revert', 'evm_*', DEV_NODE],
  ['hardhat_setCode', 'hardhat_*', DEV_NODE],
] as const

describe('the default deny list', () => {
  it.each(deniedByDefaultCases)(
    'refuses %s over HTTP with -32601 naming "%s" and how to enable it',
    async (method, pattern, why) => {
      const server = await listening()
      const reply = await post(server.origin, call(method, 'q'))
      expect(reply).toEqual({
        status: 200,
        body: { jsonrpc: '2.0', id: 'q', error: deniedByDefault(method, pattern, why) },
      })
      expect(server.upstreamCalls()).toEqual([])
    },
  )

  it('refuses denied calls of a batch one by one and serves the rest, eth_sendRawTransaction included', async () => {
    const server = await listening()
    const reply = await post(server.origin, [
      call('eth_sendRawTransaction', 1),
      call('debug_traceCall', 2),
      { jsonrpc: '2.0', method: 'anvil_mine', params: [] },
      call('eth_sendTransaction', 3),
      call('eth_chainId', 4),
    ])
    expect(reply.body).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'eth_sendRawTransaction' },
      { jsonrpc: '2.0', id: 2, error: deniedByDefault('debug_traceCall', 'debug_*', DEBUG) },
      {
        jsonrpc: '2.0',
        id: 3,
        error: deniedByDefault('eth_sendTransaction', 'eth_sendTransaction', SIGNING),
      },
      { jsonrpc: '2.0', id: 4, result: 'eth_chainId' },
    ])
    // The denied notification (anvil_mine) was not sent either.
    expect(server.upstreamCalls().map((entry) => entry.method)).toEqual([
      'eth_sendRawTransaction',
      'eth_chainId',
    ])
  })

  it('refuses over WebSocket the same way, single and batch', async () => {
    const server = await listening()
    const client = await openTestClient(`${server.origin.replace('http', 'ws')}/ws/rpc/ethereum`)
    try {
      const single = await client.call('eth_sign', ['0x00', '0x00'], 7)
      expect(single).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: deniedByDefault('eth_sign', 'eth_sign*', SIGNING),
      })
      client.send([call('evm_mine', 8), call('eth_chainId', 9)])
      const batch = await client.until((messages) => messages.find(Array.isArray))
      expect(batch).toEqual([
        { jsonrpc: '2.0', id: 8, error: deniedByDefault('evm_mine', 'evm_*', DEV_NODE) },
        { jsonrpc: '2.0', id: 9, result: 'eth_chainId' },
      ])
    } finally {
      await client.close()
    }
    expect(server.upstreamCalls().map((entry) => entry.method)).toEqual(['eth_chainId'])
  })
})

describe('serving methods again by configuration', () => {
  it('serves what enable names, over HTTP and WebSocket, and nothing more', async () => {
    const server = await listening({
      rpc: { methods: { enable: ['debug_*', 'eth_sendTransaction', 'anvil_mine'] } },
    })
    const reply = await post(server.origin, [
      call('debug_traceTransaction', 1),
      call('eth_sendTransaction', 2),
      call('anvil_mine', 3),
      call('anvil_setBalance', 4),
      call('eth_sign', 5),
    ])
    expect(reply.body).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'debug_traceTransaction' },
      { jsonrpc: '2.0', id: 2, result: 'eth_sendTransaction' },
      { jsonrpc: '2.0', id: 3, result: 'anvil_mine' },
      { jsonrpc: '2.0', id: 4, error: deniedByDefault('anvil_setBalance', 'anvil_*', DEV_NODE) },
      { jsonrpc: '2.0', id: 5, error: deniedByDefault('eth_sign', 'eth_sign*', SIGNING) },
    ])
    const client = await openTestClient(`${server.origin.replace('http', 'ws')}/ws/rpc/ethereum`)
    try {
      expect(await client.call('debug_traceCall', [], 6)).toEqual({
        jsonrpc: '2.0',
        id: 6,
        result: 'debug_traceCall',
      })
    } finally {
      await client.close()
    }
  })

  it('keeps the defaults when deny is given, and names the deny entry in the refusal', async () => {
    const server = await listening({ rpc: { methods: { deny: ['eth_getLogs'] } } })
    const reply = await post(server.origin, [call('eth_getLogs', 1), call('admin_peers', 2)])
    expect(reply.body).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32601,
          message:
            'Method "eth_getLogs" is not allowed by this ChainPulse endpoint: it matches "eth_getLogs" in the server\'s rpc.methods.deny; remove that entry to serve it',
          data: { code: 'METHOD_NOT_ALLOWED', method: 'eth_getLogs', rule: 'deny', pattern: 'eth_getLogs' },
        },
      },
      { jsonrpc: '2.0', id: 2, error: deniedByDefault('admin_peers', 'admin_*', ADMIN) },
    ])
  })

  it('lets deny win over enable', async () => {
    const server = await listening({ rpc: { methods: { enable: ['debug_*'], deny: ['debug_traceCall'] } } })
    const reply = await post(server.origin, call('debug_traceCall'))
    expect(reply.body.error.data).toEqual({
      code: 'METHOD_NOT_ALLOWED',
      method: 'debug_traceCall',
      rule: 'deny',
      pattern: 'debug_traceCall',
    })
  })

  it('serves an allow-listed method denied by default only once enable names it too', async () => {
    const server = await listening({
      rpc: { methods: { allow: ['eth_*', 'debug_traceTransaction'], enable: ['debug_traceTransaction'] } },
    })
    const reply = await post(server.origin, [
      call('debug_traceTransaction', 1),
      call('net_version', 2),
      call('eth_sendTransaction', 3),
    ])
    expect(reply.body).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'debug_traceTransaction' },
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32601,
          message:
            'Method "net_version" is not allowed by this ChainPulse endpoint: it is not in the server\'s rpc.methods.allow; add it there to serve it',
          data: { code: 'METHOD_NOT_ALLOWED', method: 'net_version', rule: 'allow' },
        },
      },
      // eth_* allows it, but an allow list never widens past the default deny list.
      {
        jsonrpc: '2.0',
        id: 3,
        error: deniedByDefault('eth_sendTransaction', 'eth_sendTransaction', SIGNING),
      },
    ])
  })

  it('refuses to start with an allow entry the default deny list would silently block', () => {
    let thrown: unknown
    try {
      start({ config: { rpc: { methods: { allow: ['eth_*', 'debug_traceTransaction'] } } } })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as ConfigError).issues).toEqual([
      {
        path: 'rpc.methods.allow.1',
        message:
          '"debug_traceTransaction" is denied by default (node debugging and tracing): add it to rpc.methods.enable as well to serve it',
      },
    ])
  })
})
