import { describe, expect, it } from 'vitest'
import { browserBundleBudgetBytes, buildBrowserBundle, formatKb } from './build-browser-bundle.js'

describe('browser bundle of a pool plus the viem transport', () => {
  it(`stays within ${formatKb(browserBundleBudgetBytes)} gzipped, viem left to the app`, async () => {
    const bundle = await buildBrowserBundle()
    // The figure is only ChainPulse's if viem really stayed out of it.
    expect(bundle.inputs.filter((input) => /node_modules\/viem\//.test(input.path))).toEqual([])
    const largest = bundle.inputs
      .slice(0, 8)
      .map((input) => `${input.path.replace(/.*node_modules\//, '')} ${formatKb(input.bytes)}`)
    console.info(
      `browser bundle (pool + viem transport, viem external): ${formatKb(bundle.bytes)} minified, ` +
        `${formatKb(bundle.gzipBytes)} gzipped; budget ${formatKb(browserBundleBudgetBytes)}`,
    )
    expect(
      bundle.gzipBytes,
      `over budget; largest inputs (minified): ${largest.join(', ')}`,
    ).toBeLessThanOrEqual(browserBundleBudgetBytes)
  })
})
