import { describe, expect, it } from 'vitest'
import { DevnetConfigError } from '../errors.js'
import { applyPersonalityPatch, neutralPersonality, personalityPresets } from './personality.js'

describe('applyPersonalityPatch', () => {
  it('changes only the knobs in the patch', () => {
    const next = applyPersonalityPatch(neutralPersonality, { latencyMs: 50, errorMix: { rateLimit: 3 } })
    expect(next.latencyMs).toBe(50)
    expect(next.jitterMs).toBe(0)
    expect(next.errorMix).toEqual({ serverError: 1, rateLimit: 3, rpcError: 1, malformed: 1 })
  })

  it('leaves the base personality untouched', () => {
    const base = applyPersonalityPatch(neutralPersonality, {})
    applyPersonalityPatch(base, { errorMix: { malformed: 9 } })
    expect(base.errorMix.malformed).toBe(1)
  })

  it('names the path of an out-of-range knob', () => {
    expect(() => applyPersonalityPatch(neutralPersonality, { errorRate: 1.5 })).toThrowError(/errorRate/)
    try {
      applyPersonalityPatch(neutralPersonality, { errorMix: { rpcError: -1 } })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(DevnetConfigError)
      expect((error as DevnetConfigError).path).toEqual(['errorMix', 'rpcError'])
    }
  })

  it('rejects unknown knobs instead of ignoring a typo', () => {
    expect(() => applyPersonalityPatch(neutralPersonality, { latency: 5 })).toThrowError(DevnetConfigError)
  })

  it('rejects a fractional lag', () => {
    expect(() => applyPersonalityPatch(neutralPersonality, { lagBlocks: 1.5 })).toThrowError(/lagBlocks/)
  })

  it('sets and lifts an eth_getLogs range limit and result limit of at least one', () => {
    const limited = applyPersonalityPatch(neutralPersonality, { maxLogsBlockRange: 2_000 })
    expect(limited.maxLogsBlockRange).toBe(2_000)
    expect(applyPersonalityPatch(limited, { maxLogsBlockRange: null }).maxLogsBlockRange).toBeNull()
    expect(applyPersonalityPatch(limited, { latencyMs: 1 }).maxLogsBlockRange).toBe(2_000)
    expect(() => applyPersonalityPatch(neutralPersonality, { maxLogsBlockRange: 0 })).toThrowError(
      /maxLogsBlockRange/,
    )
    const capped = applyPersonalityPatch(neutralPersonality, { maxLogsResults: 2_000 })
    expect(capped.maxLogsResults).toBe(2_000)
    expect(applyPersonalityPatch(capped, { maxLogsResults: null }).maxLogsResults).toBeNull()
    expect(() => applyPersonalityPatch(neutralPersonality, { maxLogsResults: 0 })).toThrowError(
      /maxLogsResults/,
    )
  })

  it('rejects an error rate with no error kind to draw', () => {
    const noKinds = { serverError: 0, rateLimit: 0, rpcError: 0, malformed: 0 }
    expect(() =>
      applyPersonalityPatch(neutralPersonality, { errorRate: 0.1, errorMix: noKinds }),
    ).toThrowError(/errorMix/)
  })

  it('refuses a stall range whose shortest stall exceeds its longest', () => {
    expect(() => applyPersonalityPatch(neutralPersonality, { stallMinMs: 900 })).toThrowError(
      /stallMinMs: stallMinMs \(900\) exceeds stallMaxMs \(800\)/,
    )
    expect(applyPersonalityPatch(neutralPersonality, { stallMinMs: 900, stallMaxMs: 900 })).toMatchObject({
      stallMinMs: 900,
      stallMaxMs: 900,
    })
  })

  it('ships valid presets', () => {
    for (const preset of Object.values(personalityPresets)) {
      expect(() => applyPersonalityPatch(neutralPersonality, preset)).not.toThrow()
    }
  })
})
