import { expect, it } from 'vitest'
import { main } from './transports.js'

it('answers over HTTP and WebSocket, and resubscribes after the connection is cut', async () => {
  const { response, text, status, wsBlockNumber, heads, backfills } = await main()
  expect(status).toBe(200)
  expect(response).toMatchObject({ jsonrpc: '2.0', id: 1, result: expect.stringMatching(/^0x[0-9a-f]+$/) })
  expect(JSON.parse(text)).toEqual(response)
  expect(wsBlockNumber).toMatch(/^0x[0-9a-f]+$/)
  expect(backfills).toEqual([expect.stringMatching(/^0x/)])
  for (let index = 1; index < heads.length; index++) expect(heads[index]).toBeGreaterThan(heads[index - 1]!)
}, 30_000)
