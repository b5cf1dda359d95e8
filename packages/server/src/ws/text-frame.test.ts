import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as wsModule from 'ws'
import { WebSocket, WebSocketServer } from 'ws'
import { canWritePrebuiltFrame, createTextFrame, sendTextFrame } from './text-frame.js'

/** `ws`'s own framing (exported by `ws`, but not in its type definitions), to compare headers with. */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] }
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A server-side socket and the client connected to it, on 127.0.0.1. */
async function socketPair(): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  const server = await accepted
  await new Promise<void>((resolve) =>
    client.readyState === client.OPEN ? resolve() : client.once('open', resolve),
  )
  closers.push(async () => {
    client.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  })
  return { server, client }
}

/** The next `count` messages the client receives, as text with their binary flag. */
function nextMessages(client: WebSocket, count: number): Promise<{ text: string; isBinary: boolean }[]> {
  const received: { text: string; isBinary: boolean }[] = []
  return new Promise((resolve) => {
    client.on('message', (data, isBinary) => {
      received.push({ text: data.toString(), isBinary })
      if (received.length === count) resolve(received)
    })
  })
}

describe('createTextFrame', () => {
  it('builds the header ws builds, for every length class', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(length, 0x61)
      const { frame, payload: view } = createTextFrame(payload)
      const [header] = Sender.frame(payload, {
        fin: true,
        opcode: 1,
        mask: false,
        readOnly: false,
        rsv1: false,
      })
      expect(frame.subarray(0, frame.length - length).equals(header!)).toBe(true)
      expect(view.equals(payload)).toBe(true)
      expect(frame.length).toBe(header!.length + length)
    }
  })
})

describe('sendTextFrame', () => {
  it('writes the prebuilt frame in one write with the pinned ws, and the client reads text', async () => {
    const { server, client } = await socketPair()
    expect(canWritePrebuiltFrame(server)).toBe(true)
    const send = vi.spyOn(server, 'send')
    const messages = nextMessages(client, 3)
    const big = `{"data":"${'ab'.repeat(40_000)}"}`
    sendTextFrame(server, createTextFrame(Buffer.from('{"a":"é"}')))
    server.send('in between') // ws's own sends stay in order with ours
    sendTextFrame(server, createTextFrame(Buffer.from(big)))
    expect(send).toHaveBeenCalledTimes(1)
    expect(await messages).toEqual([
      { text: '{"a":"é"}', isBinary: false },
      { text: 'in between', isBinary: false },
      { text: big, isBinary: false },
    ])
  })

  it('falls back to socket.send when ws is not idle', async () => {
    const { server, client } = await socketPair()
    const internals = server as unknown as { _sender: { _state: number } }
    const state = internals._sender._state
    internals._sender._state = 1 // as while compressing
    expect(canWritePrebuiltFrame(server)).toBe(false)
    const send = vi.spyOn(server, 'send').mockImplementation(() => {})
    const frame = createTextFrame(Buffer.from('{"x":1}'))
    sendTextFrame(server, frame)
    expect(send).toHaveBeenCalledWith(frame.payload, { binary: false })
    internals._sender._state = state
    send.mockRestore()
    const messages = nextMessages(client, 1)
    sendTextFrame(server, frame)
    expect(await messages).toEqual([{ text: '{"x":1}', isBinary: false }])
  })
})
