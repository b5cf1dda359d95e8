import { describe, expect, it } from 'vitest'
import { draws, hashString, mulberry32, standardNormal } from './prng.js'

describe('prng', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b))
  })

  it('gives different sequences for different seeds', () => {
    expect(mulberry32(1)()).not.toBe(mulberry32(2)())
  })

  it('draws numbers in [0, 1) with a mean near one half', () => {
    const next = mulberry32(7)
    const values = Array.from({ length: 20_000 }, next)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThan(1)
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length
    expect(mean).toBeGreaterThan(0.48)
    expect(mean).toBeLessThan(0.52)
  })

  it('makes the Nth draw of a stream independent of the draws before it', () => {
    const direct = draws(3, 'ethereum-alpha:request', 10)()
    // consuming other indices first changes nothing: draws are addressed by index, not by position
    for (let i = 0; i < 10; i++) draws(3, 'ethereum-alpha:request', i)()
    expect(draws(3, 'ethereum-alpha:request', 10)()).toBe(direct)
  })

  it('separates streams by name and seed', () => {
    const base = draws(1, 'a', 0)()
    expect(draws(1, 'b', 0)()).not.toBe(base)
    expect(draws(2, 'a', 0)()).not.toBe(base)
    expect(hashString('a')).not.toBe(hashString('b'))
  })

  it('produces standard normal variates', () => {
    const next = mulberry32(11)
    const values = Array.from({ length: 20_000 }, () => standardNormal(next))
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length
    const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length
    expect(Math.abs(mean)).toBeLessThan(0.05)
    expect(variance).toBeGreaterThan(0.93)
    expect(variance).toBeLessThan(1.07)
  })
})
