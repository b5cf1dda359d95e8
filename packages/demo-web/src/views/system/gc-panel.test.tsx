// @vitest-environment happy-dom
import { signal } from '@preact/signals'
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import type { RuntimeView } from '../../api/types.js'
import { createGcHistory } from './gc-history.js'
import { GcPanel, summarizeGc } from './gc-panel.js'

describe('summarizeGc', () => {
  it('adds up pauses and the share of the window spent paused', () => {
    expect(
      summarizeGc([
        { ts: 1_000, pauses: 2, pauseMs: 10 },
        { ts: 2_000, pauses: 1, pauseMs: 30 },
      ]),
    ).toEqual({ pauses: 3, pauseMs: 40, pausedShare: 0.02 })
    expect(summarizeGc([]).pausedShare).toBeNull()
  })
})

describe('GcPanel', () => {
  it('says GC is not available where the runtime cannot observe it, in the chart’s place', () => {
    const root = document.createElement('div')
    const runtime = { gc: { available: false, count: 0, totalMs: 0, maxMs: 0, lastMs: 0 } } as RuntimeView
    render(<GcPanel runtime={runtime} tracker={{ history: createGcHistory(), revision: signal(0) }} />, root)
    expect(root.querySelector('[data-testid="gc-unavailable"]')!.textContent).toContain('not available')
    expect(root.querySelector('.chart')).toBeNull()
  })
})
