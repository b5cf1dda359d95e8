import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { handleShutdownSignals } from './shutdown-signals.js'

function setup(close: () => Promise<void>) {
  const target = new EventEmitter()
  const exits: number[] = []
  const lines: string[] = []
  const time = { now: 0 }
  handleShutdownSignals({
    close,
    exit: (code) => exits.push(code),
    log: (line) => lines.push(line),
    target,
    now: () => time.now,
  })
  return { target, exits, lines, time }
}

describe('handleShutdownSignals', () => {
  it('closes gracefully on SIGTERM and exits 0 once closed', async () => {
    let finish!: () => void
    const closed = new Promise<void>((resolve) => {
      finish = resolve
    })
    const { target, exits } = setup(() => closed)
    target.emit('SIGTERM')
    await Promise.resolve()
    expect(exits).toEqual([])
    finish()
    await closed
    await new Promise((resolve) => setImmediate(resolve))
    expect(exits).toEqual([0])
  })

  it('exits at once with 130 on a second signal while closing', () => {
    let calls = 0
    const { target, exits, time } = setup(() => {
      calls++
      return new Promise<void>(() => {})
    })
    target.emit('SIGINT')
    time.now = 1_000
    target.emit('SIGINT')
    expect(calls).toBe(1)
    expect(exits).toEqual([130])
  })

  it('takes a signal right after the first as the same request (pnpm forwards Ctrl-C as SIGTERM)', () => {
    const { target, exits, time } = setup(() => new Promise<void>(() => {}))
    target.emit('SIGINT')
    time.now = 999
    target.emit('SIGTERM')
    expect(exits).toEqual([])
  })

  it('exits 1 when the shutdown fails, saying why', async () => {
    const { target, exits, lines } = setup(() => Promise.reject(new Error('pool close failed')))
    target.emit('SIGINT')
    await new Promise((resolve) => setImmediate(resolve))
    expect(exits).toEqual([1])
    expect(lines.at(-1)).toContain('pool close failed')
  })
})
