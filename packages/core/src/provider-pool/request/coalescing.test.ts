import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AbortedError } from '../../errors/errors.js'
import { canonicalParams, createCoalescer } from './coalescing.js'

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('canonicalParams', () => {
  it('gives the same text for the same question asked in other spellings', () => {
    const a = canonicalParams([{ to: '0xABCDEF', data: '0x70A08231' }, 'latest'])
    const b = canonicalParams([{ data: '0x70a08231', to: '0xabcdef' }, 'latest'])
    expect(a).toBe(b)
  })

  it('keeps different questions apart, and strings that are not hex as they are', () => {
    expect(canonicalParams(['0x1', 'latest'])).not.toBe(canonicalParams(['0x2', 'latest']))
    expect(canonicalParams(['0x1', 'latest'])).not.toBe(canonicalParams(['0x1', 'pending']))
    expect(canonicalParams(['Hello'])).not.toBe(canonicalParams(['hello']))
  })

  it('writes exactly what JSON.stringify writes with keys sorted and hex lowercased, for any JSON value', () => {
    // The plain definition, as a replacer: the oracle for the hand-written serializer.
    const byReplacer = (params: unknown) =>
      JSON.stringify(params, (_key, value: unknown) => {
        if (typeof value === 'string') return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
        const sorted: Record<string, unknown> = {}
        for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key]
        return sorted
      })
    const hex = fc.stringMatching(/^0x[0-9a-fA-F]{0,8}$/)
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        hex,
        fc.string(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie('any'), { maxLength: 4 }),
        // Keys that are not array indices: an object re-sorted by the replacer lists those first.
        fc.dictionary(
          fc.string({ maxLength: 4 }).filter((key) => !/^\d+$/.test(key)),
          tie('any'),
          { maxKeys: 4 },
        ),
      ),
    })).any
    fc.assert(
      fc.property(fc.array(value, { maxLength: 4 }), (params) => {
        expect(canonicalParams(params)).toBe(byReplacer(params))
      }),
    )
    expect(canonicalParams([{ toJSON: () => '0xAB' }])).toBe('["0xab"]')
    // Index-like keys sort as text too (a plain object would list them first, in numeric order).
    expect(canonicalParams([{ b: 1, 10: 2, 9: 3 }])).toBe('[{"10":2,"9":3,"b":1}]')
  })
})

describe('createCoalescer', () => {
  it('runs a key once for every caller while it is in flight, then forgets it', async () => {
    const coalescer = createCoalescer()
    const upstream = deferred<string>()
    let starts = 0
    const start = () => {
      starts++
      return upstream.promise
    }
    const first = coalescer.run('k', undefined, start)
    expect(coalescer.has('k')).toBe(true)
    const second = coalescer.run('k', undefined, start)
    const other = coalescer.run('other', undefined, () => Promise.resolve('other answer'))
    upstream.resolve('answer')
    expect(await Promise.all([first, second, other])).toEqual(['answer', 'answer', 'other answer'])
    expect(starts).toBe(1)
    expect(coalescer.size).toBe(0)
    await coalescer.run('k', undefined, () => Promise.resolve('again'))
    expect(starts).toBe(1)
  })

  it('gives every caller the error of a run that failed', async () => {
    const coalescer = createCoalescer()
    const failure = new Error('every provider failed')
    const upstream = deferred<string>()
    const callers = [1, 2, 3].map(() => coalescer.run('k', undefined, () => upstream.promise))
    upstream.reject(failure)
    for (const caller of callers) await expect(caller).rejects.toBe(failure)
    expect(coalescer.has('k')).toBe(false)
  })

  it('lets a caller give up alone, and cancels the run only when every caller has', async () => {
    const coalescer = createCoalescer()
    const upstream = deferred<string>()
    let runSignal: AbortSignal | undefined
    const start = (signal: AbortSignal) => {
      runSignal = signal
      return upstream.promise
    }
    const leaving = new AbortController()
    const staying = new AbortController()
    const left = coalescer.run('k', leaving.signal, start)
    const stayed = coalescer.run('k', staying.signal, start)
    leaving.abort()
    await expect(left).rejects.toBeInstanceOf(AbortedError)
    expect(runSignal?.aborted).toBe(false)
    upstream.resolve('answer')
    expect(await stayed).toBe('answer')

    const next = deferred<string>()
    const last = new AbortController()
    const alone = coalescer.run('n', last.signal, (signal) => {
      runSignal = signal
      return next.promise
    })
    last.abort()
    await expect(alone).rejects.toBeInstanceOf(AbortedError)
    expect(runSignal?.aborted).toBe(true)
    // A caller that comes while the cancelled run is still winding down starts a run of its own.
    expect(await coalescer.run('n', undefined, () => Promise.resolve('fresh'))).toBe('fresh')
    next.reject(new Error('aborted upstream'))
  })

  it('refuses at once a caller whose signal has already aborted', async () => {
    const coalescer = createCoalescer()
    let starts = 0
    const aborted = AbortSignal.abort()
    await expect(coalescer.run('k', aborted, () => Promise.resolve(starts++))).rejects.toBeInstanceOf(
      AbortedError,
    )
    expect(starts).toBe(0)
  })
})
