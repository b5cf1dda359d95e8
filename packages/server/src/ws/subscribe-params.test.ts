import { describe, expect, it } from 'vitest'
import { parseSubscribeParams } from './subscribe-params.js'

const ADDRESS = '0x00000000000000000000000000000000000000Aa'
const TOPIC = `0x${'dd'.repeat(32)}`

describe('parseSubscribeParams', () => {
  it('reads newHeads, ignoring extra params as geth does', () => {
    expect(parseSubscribeParams(['newHeads'])).toBe('newHeads')
    expect(parseSubscribeParams(['newHeads', {}])).toBe('newHeads')
  })

  it('reads logs with no filter, a null filter, or address and topics', () => {
    expect(parseSubscribeParams(['logs'])).toEqual({ logs: {} })
    expect(parseSubscribeParams(['logs', null])).toEqual({ logs: {} })
    expect(
      parseSubscribeParams(['logs', { address: [ADDRESS], topics: [null, TOPIC, [TOPIC, TOPIC]] }]),
    ).toEqual({ logs: { address: [ADDRESS], topics: [null, TOPIC, [TOPIC, TOPIC]] } })
  })

  it.each([
    ['no params', undefined, 'expected params'],
    ['an object', { kind: 'newHeads' }, 'expected params'],
    ['an unsupported kind', ['newPendingTransactions'], 'unsupported subscription "newPendingTransactions"'],
    ['a non-string kind', [7], 'unsupported subscription number'],
    ['a bad address', ['logs', { address: '0x12' }], 'at "address"'],
    ['a fifth topic', ['logs', { topics: [null, null, null, null, TOPIC] }], 'at most 4 topic positions'],
    ['a bad topic', ['logs', { topics: [[TOPIC, '0x1']] }], 'at "topics.0.1"'],
    ['a block range', ['logs', { fromBlock: '0x1' }], 'invalid logs filter'],
    ['a non-object filter', ['logs', 'all'], 'invalid logs filter'],
  ])('answers -32602 for %s', (_name, params, message) => {
    const answer = parseSubscribeParams(params)
    expect(answer).toMatchObject({ code: -32602, data: { code: 'INVALID_PARAMS' } })
    expect((answer as { message: string }).message).toContain(message)
  })
})
