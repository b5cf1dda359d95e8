import { describe, expect, it, vi } from 'vitest'
import { onAbort } from './on-abort.js'

describe('onAbort', () => {
  it('runs every waiting callback once when the signal aborts', () => {
    const controller = new AbortController()
    const first = vi.fn()
    const second = vi.fn()
    onAbort(controller.signal, first)
    onAbort(controller.signal, second)

    controller.abort()
    controller.abort()

    expect(first).toHaveBeenCalledTimes(1)
    expect(second).toHaveBeenCalledTimes(1)
  })

  it('does not run a cancelled callback', () => {
    const controller = new AbortController()
    const cancelled = vi.fn()
    const kept = vi.fn()
    const stop = onAbort(controller.signal, cancelled)
    onAbort(controller.signal, kept)

    stop()
    controller.abort()

    expect(cancelled).not.toHaveBeenCalled()
    expect(kept).toHaveBeenCalledTimes(1)
  })

  it('adds one listener to the signal however many callbacks wait on it', () => {
    const controller = new AbortController()
    const addEventListener = vi.spyOn(controller.signal, 'addEventListener')
    const removeEventListener = vi.spyOn(controller.signal, 'removeEventListener')

    for (let call = 0; call < 100; call++) onAbort(controller.signal, () => {})()

    expect(addEventListener).toHaveBeenCalledTimes(1)
    expect(removeEventListener).not.toHaveBeenCalled()
  })

  it('never runs a callback given an already aborted signal', () => {
    const callback = vi.fn()
    const stop = onAbort(AbortSignal.abort(), callback)

    stop()

    expect(callback).not.toHaveBeenCalled()
  })

  it('lets a callback cancel one that has not run yet', () => {
    const controller = new AbortController()
    const order: string[] = []
    let stopSecond = () => {}
    onAbort(controller.signal, () => {
      order.push('first')
      stopSecond()
    })
    stopSecond = onAbort(controller.signal, () => order.push('second'))

    controller.abort()

    expect(order).toEqual(['first'])
  })

  it('keeps running the others when one callback throws, and rethrows its error asynchronously', async () => {
    const controller = new AbortController()
    const after = vi.fn()
    const rethrown = new Promise<unknown>((resolve) => {
      const previous = process.listeners('uncaughtException')
      process.removeAllListeners('uncaughtException')
      process.once('uncaughtException', (error) => {
        for (const listener of previous) process.on('uncaughtException', listener)
        resolve(error)
      })
    })
    onAbort(controller.signal, () => {
      throw new Error('callback failed')
    })
    onAbort(controller.signal, after)

    controller.abort()

    expect(after).toHaveBeenCalledTimes(1)
    expect(await rethrown).toEqual(new Error('callback failed'))
  })
})
