import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientGoneSignal } from './rpc.js'

interface FakeSocket extends EventEmitter {
  destroyed: boolean
}

function fakeSocket(destroyed = false): FakeSocket {
  return Object.assign(new EventEmitter(), { destroyed })
}

function fakeExchange(socket: FakeSocket | null, httpVersionMajor = 1) {
  const raw = { socket, httpVersionMajor } as unknown as IncomingMessage
  const response = Object.assign(new EventEmitter(), { writableFinished: false })
  return { raw, response, asResponse: response as unknown as ServerResponse }
}

describe('clientGoneSignal', () => {
  it('shares one signal between the requests of a keep-alive connection', () => {
    const socket = fakeSocket()
    const first = fakeExchange(socket)
    const second = fakeExchange(socket)
    const signal = clientGoneSignal(first.raw, first.asResponse)
    expect(clientGoneSignal(second.raw, second.asResponse)).toBe(signal)
    expect(clientGoneSignal(fakeExchange(fakeSocket()).raw, first.asResponse)).not.toBe(signal)
  })

  it('aborts when the connection closes, and not when a response merely finishes', () => {
    const socket = fakeSocket()
    const exchange = fakeExchange(socket)
    const signal = clientGoneSignal(exchange.raw, exchange.asResponse)
    exchange.response.writableFinished = true
    exchange.response.emit('close')
    expect(signal.aborted).toBe(false)
    socket.emit('close')
    expect(signal.aborted).toBe(true)
  })

  it('is aborted at once for a connection that is already gone', () => {
    const exchange = fakeExchange(fakeSocket(true))
    expect(clientGoneSignal(exchange.raw, exchange.asResponse).aborted).toBe(true)
  })

  it('does not warn when many calls listen to one connection at once', () => {
    const exchange = fakeExchange(fakeSocket())
    const signal = clientGoneSignal(exchange.raw, exchange.asResponse)
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      for (let call = 0; call < 50; call++) signal.addEventListener('abort', () => {})
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('gives each HTTP/2 stream its own signal, aborted when its response closes unfinished', () => {
    const socket = fakeSocket()
    const finished = fakeExchange(socket, 2)
    const cut = fakeExchange(socket, 2)
    const finishedSignal = clientGoneSignal(finished.raw, finished.asResponse)
    const cutSignal = clientGoneSignal(cut.raw, cut.asResponse)
    expect(cutSignal).not.toBe(finishedSignal)
    finished.response.writableFinished = true
    finished.response.emit('close')
    cut.response.emit('close')
    expect(finishedSignal.aborted).toBe(false)
    expect(cutSignal.aborted).toBe(true)
  })
})
