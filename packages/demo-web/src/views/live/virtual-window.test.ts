import { describe, expect, it } from 'vitest'
import { virtualWindow } from './virtual-window.js'

describe('virtualWindow', () => {
  it('draws the rows the viewport shows plus the overscan below, at the top of the list', () => {
    expect(
      virtualWindow({ count: 100, rowHeight: 24, viewportHeight: 240, scrollTop: 0, overscan: 2 }),
    ).toEqual({ start: 0, end: 12, padTop: 0 })
  })

  it('follows the scroll position with overscan on both sides', () => {
    expect(
      virtualWindow({ count: 100, rowHeight: 20, viewportHeight: 200, scrollTop: 1_010, overscan: 3 }),
    ).toEqual({ start: 47, end: 63, padTop: 47 * 20 })
  })

  it('stops at the end of the list when scrolled to the bottom', () => {
    expect(
      virtualWindow({ count: 100, rowHeight: 24, viewportHeight: 360, scrollTop: 2_400 - 360, overscan: 4 }),
    ).toEqual({ start: 81, end: 100, padTop: 81 * 24 })
  })

  it('draws everything when the list is shorter than the viewport, and nothing when it is empty', () => {
    expect(virtualWindow({ count: 5, rowHeight: 24, viewportHeight: 360, scrollTop: 0 })).toEqual({
      start: 0,
      end: 5,
      padTop: 0,
    })
    expect(virtualWindow({ count: 0, rowHeight: 24, viewportHeight: 360, scrollTop: 120 })).toEqual({
      start: 0,
      end: 0,
      padTop: 0,
    })
  })
})
