import { describe, expect, it, vi } from 'vitest'
import { createListeners } from './listeners.js'

type Events = { message: [text: string]; connect: [] }

describe('createListeners', () => {
  it('calls listeners in the order added, a function added twice twice, once-listeners once', () => {
    const listeners = createListeners<Events>()
    const heard: string[] = []
    const first = (text: string) => heard.push(`first ${text}`)
    listeners.on('message', first)
    listeners.on('message', (text) => heard.push(`second ${text}`), true)
    listeners.on('message', first)
    listeners.emit('message', 'a')
    listeners.emit('message', 'b')
    expect(heard).toEqual(['first a', 'second a', 'first a', 'first b', 'first b'])
  })

  it('removes the most recent addition of a function, and ignores one never added', () => {
    const listeners = createListeners<Events>()
    const heard: number[] = []
    const listener = () => heard.push(heard.length)
    listeners.on('connect', listener)
    listeners.on('connect', listener)
    listeners.off('connect', listener)
    listeners.off('connect', () => {})
    listeners.emit('connect')
    expect(heard).toEqual([0])
  })

  it('keeps calling the others when one listener throws, and rethrows its error asynchronously', async () => {
    const listeners = createListeners<Events>()
    const heard: string[] = []
    const rethrown = vi.fn()
    const original = globalThis.queueMicrotask
    globalThis.queueMicrotask = (callback) =>
      original(() => {
        try {
          callback()
        } catch (error) {
          rethrown(error)
        }
      })
    try {
      listeners.on('message', () => {
        throw new Error('broken handler')
      })
      listeners.on('message', (text) => heard.push(text))
      listeners.emit('message', 'still delivered')
      await Promise.resolve()
    } finally {
      globalThis.queueMicrotask = original
    }
    expect(heard).toEqual(['still delivered'])
    expect(rethrown).toHaveBeenCalledWith(new Error('broken handler'))
  })
})
