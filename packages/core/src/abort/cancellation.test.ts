import { describe, expect, it, vi } from 'vitest'
import { createCancellation, isLightSignal, toAbortSignal } from './cancellation.js'
import { onAbort } from './on-abort.js'

describe('createCancellation', () => {
  it('starts unaborted and aborts once, with an AbortError by default', () => {
    const { signal, abort } = createCancellation()
    expect(signal.aborted).toBe(false)
    expect(() => signal.throwIfAborted()).not.toThrow()
    abort()
    abort(new Error('second'))
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBeInstanceOf(DOMException)
    expect((signal.reason as DOMException).name).toBe('AbortError')
    expect(() => signal.throwIfAborted()).toThrow(signal.reason as DOMException)
  })

  it('keeps the reason it was aborted with', () => {
    const { signal, abort } = createCancellation()
    const reason = new Error('client gone')
    abort(reason)
    expect(signal.reason).toBe(reason)
  })

  it('calls each listener once', () => {
    const { signal, abort } = createCancellation()
    const heard: string[] = []
    signal.addEventListener('abort', () => heard.push('first'), { once: true })
    signal.addEventListener('abort', () => heard.push('second'))
    abort()
    abort()
    expect(heard).toEqual(['first', 'second'])
  })

  it('does not call a removed listener, nor one added after the abort', () => {
    const { signal, abort } = createCancellation()
    const removed = vi.fn()
    signal.addEventListener('abort', removed)
    signal.removeEventListener('abort', removed)
    abort()
    const late = vi.fn()
    signal.addEventListener('abort', late)
    expect(removed).not.toHaveBeenCalled()
    expect(late).not.toHaveBeenCalled()
  })

  it('keeps calling the others when one listener throws, and rethrows its error asynchronously', async () => {
    const { signal, abort } = createCancellation()
    const after = vi.fn()
    const rethrown = new Promise<unknown>((resolve) => {
      const previous = process.listeners('uncaughtException')
      process.removeAllListeners('uncaughtException')
      process.once('uncaughtException', (error) => {
        for (const listener of previous) process.on('uncaughtException', listener)
        resolve(error)
      })
    })
    signal.addEventListener('abort', () => {
      throw new Error('listener failed')
    })
    signal.addEventListener('abort', after)
    abort()
    expect(after).toHaveBeenCalledTimes(1)
    expect(((await rethrown) as Error).message).toBe('listener failed')
  })

  it('works with onAbort like a real signal, cancellable', () => {
    const { signal, abort } = createCancellation()
    const kept = vi.fn()
    const cancelled = vi.fn()
    onAbort(signal, kept)
    onAbort(signal, cancelled)()
    abort()
    expect(kept).toHaveBeenCalledTimes(1)
    expect(cancelled).not.toHaveBeenCalled()
  })
})

describe('toAbortSignal', () => {
  it('hands a real AbortSignal through as it is', () => {
    const real = new AbortController().signal
    expect(isLightSignal(real)).toBe(false)
    expect(toAbortSignal(real)).toBe(real)
  })

  it("makes one real AbortSignal for a cancellation's signal, aborted with it and with its reason", () => {
    const { signal, abort } = createCancellation()
    expect(isLightSignal(signal)).toBe(true)
    const real = toAbortSignal(signal)
    expect(real).toBeInstanceOf(AbortSignal)
    expect(toAbortSignal(signal)).toBe(real)
    expect(real.aborted).toBe(false)
    const reason = new Error('stop')
    abort(reason)
    expect(real.aborted).toBe(true)
    expect(real.reason).toBe(reason)
  })

  it('makes an already aborted real signal for an aborted cancellation', () => {
    const { signal, abort } = createCancellation()
    abort('done')
    const real = toAbortSignal(signal)
    expect(real.aborted).toBe(true)
    expect(real.reason).toBe('done')
  })
})
