import { describe, expect, it } from 'vitest'
import { isLoopbackUrl, loopbackUrl } from './loopback.js'

describe('isLoopbackUrl', () => {
  it('accepts the loopback range, localhost and ::1', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8545')).toBe(true)
    expect(isLoopbackUrl('ws://127.1.2.3:1')).toBe(true)
    expect(isLoopbackUrl('http://localhost:8545')).toBe(true)
    expect(isLoopbackUrl('http://[::1]:8545')).toBe(true)
  })

  it('rejects every other address', () => {
    expect(isLoopbackUrl('http://10.0.0.1:8545')).toBe(false)
    expect(isLoopbackUrl('http://0.0.0.0:8545')).toBe(false)
    expect(isLoopbackUrl('https://mainnet.example.com')).toBe(false)
    expect(isLoopbackUrl('not a url')).toBe(false)
  })

  it('builds loopback URLs', () => {
    expect(loopbackUrl('ws', 9)).toBe('ws://127.0.0.1:9')
  })
})
