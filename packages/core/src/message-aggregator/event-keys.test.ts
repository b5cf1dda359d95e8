import { describe, expect, it } from 'vitest'
import { InvalidEventKeyError } from '../errors/errors.js'
import { logKey, newHeadsKey } from './event-keys.js'

const hash = `0x${'ab'.repeat(32)}`
const upperHash = hash.toUpperCase().replace('0X', '0x')

describe('newHeadsKey', () => {
  it('lower-cases the block hash so providers differing only in hex case agree', () => {
    expect(newHeadsKey({ hash: upperHash })).toBe(hash)
    expect(newHeadsKey({ hash })).toBe(hash)
  })

  it('adds a missing 0x prefix', () => {
    expect(newHeadsKey({ hash: 'AB'.repeat(32) })).toBe(hash)
  })

  it.each([[null], [undefined], [''], ['0xnothex']])('rejects a block whose hash is %j', (value) => {
    expect(() => newHeadsKey({ hash: value })).toThrow(InvalidEventKeyError)
  })
})

describe('logKey', () => {
  it.each([['0xa'], ['0xA'], ['0x0a'], ['0X000A'], [10], [10n], ['10']])(
    'normalises logIndex %s to the canonical hex quantity',
    (logIndex) => {
      expect(logKey({ blockHash: upperHash, logIndex })).toBe(`${hash}:0xa`)
    },
  )

  it('keys index zero as 0x0 whatever its form', () => {
    for (const logIndex of ['0x0', '0x00', 0, 0n, '0']) {
      expect(logKey({ blockHash: hash, logIndex })).toBe(`${hash}:0x0`)
    }
  })

  it('keeps removal notices apart from the log they retract', () => {
    expect(logKey({ blockHash: hash, logIndex: '0x1', removed: true })).toBe(`${hash}:0x1:removed`)
    expect(logKey({ blockHash: hash, logIndex: '0x1', removed: false })).toBe(`${hash}:0x1`)
  })

  it('rejects a pending log, which has no block hash yet, naming the field', () => {
    const error = (() => {
      try {
        logKey({ blockHash: null, logIndex: null })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(InvalidEventKeyError)
    expect(error).toMatchObject({ code: 'INVALID_EVENT_KEY', field: 'blockHash' })
  })

  it.each([[null], [-1], [1.5], [-1n], ['0x'], ['zz'], ['-3']])('rejects logIndex %s', (logIndex) => {
    expect(() => logKey({ blockHash: hash, logIndex })).toThrow(
      expect.objectContaining({ field: 'logIndex' }),
    )
  })
})
