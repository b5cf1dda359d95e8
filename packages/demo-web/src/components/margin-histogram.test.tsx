// @vitest-environment happy-dom
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import { boundLabel, MarginAxis, MarginHistogram, marginX } from './margin-histogram.js'

const bounds = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000]

function mount(node: preact.ComponentChild): HTMLElement {
  const root = document.createElement('div')
  render(node, root)
  return root
}

describe('marginX', () => {
  it('places a value inside its bar on a log scale', () => {
    expect(marginX(bounds, 0, 20)).toBe(0)
    expect(marginX(bounds, 0.5, 20)).toBe(10)
    expect(marginX(bounds, 10, 20)).toBe(80)
    // √(10·20) is halfway through the 10–20 bar on a log scale.
    expect(marginX(bounds, Math.sqrt(200), 20)).toBeCloseTo(90)
  })

  it('keeps values past the last bound inside the chart', () => {
    expect(marginX(bounds, 7_500, 20)).toBeGreaterThan(240)
    expect(marginX(bounds, 1e9, 20)).toBe(260)
  })
})

describe('boundLabel', () => {
  it('shortens seconds and marks the open last bar', () => {
    expect(boundLabel(bounds, 3)).toBe('5')
    expect(boundLabel(bounds, 10)).toBe('1s')
    expect(boundLabel(bounds, 12)).toBe('5s+')
  })
})

describe('MarginHistogram', () => {
  it('draws one bar per bound scaled to the tallest, with a fixed size and tooltips', () => {
    const counts = bounds.map((_, index) => (index === 4 ? 10 : index === 5 ? 5 : 0))
    const root = mount(<MarginHistogram bounds={bounds} counts={counts} barWidth={20} height={30} />)
    const svg = root.querySelector('svg')!
    expect(svg.getAttribute('width')).toBe('260')
    expect(svg.getAttribute('height')).toBe('30')
    const bars = [...root.querySelectorAll('rect.bar')]
    expect(bars).toHaveLength(13)
    expect(Number(bars[4]!.getAttribute('height'))).toBe(27)
    expect(Number(bars[5]!.getAttribute('height'))).toBe(13.5)
    expect(Number(bars[0]!.getAttribute('height'))).toBe(0)
    expect(bars[4]!.querySelector('title')!.textContent).toBe('10–20 ms: 10 losses')
    expect(bars[12]!.querySelector('title')!.textContent).toBe('≥ 5000 ms: 0 losses')
    expect(svg.getAttribute('aria-label')).toBe('histogram of 15 losses')
  })

  it('stretches to its container when fluid, in the same drawing units', () => {
    const root = mount(<MarginHistogram bounds={bounds} counts={bounds.map(() => 1)} fluid />)
    const svg = root.querySelector('svg')!
    expect(svg.getAttribute('width')).toBe('100%')
    expect(svg.getAttribute('viewBox')).toBe('0 0 260 30')
  })

  it('draws the markers that have a value and skips the others', () => {
    const root = mount(
      <MarginHistogram
        bounds={bounds}
        counts={bounds.map(() => 1)}
        markers={[
          { label: 'p50', ms: 10, color: '#fff' },
          { label: 'p95', ms: null, color: '#f00' },
        ]}
      />,
    )
    const markers = [...root.querySelectorAll('line.marker')]
    expect(markers.map((line) => line.getAttribute('data-marker'))).toEqual(['p50'])
    expect(markers[0]!.getAttribute('x1')).toBe('80')
  })

  it('labels 0, the powers of ten and the last bar on the axis', () => {
    const root = mount(<MarginAxis bounds={bounds} />)
    const labels = [...root.querySelectorAll('.margin-axis span')].map((label) => label.textContent)
    expect(labels.join(' ')).toBe('0 1   10   100   1s  5s+')
  })
})
