// @vitest-environment happy-dom
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import { Badge, Panel, Stat } from './ui.js'

function mount(node: preact.ComponentChild): HTMLElement {
  const root = document.createElement('div')
  render(node, root)
  return root
}

describe('ui components', () => {
  it('colours a badge by its state', () => {
    const root = mount(<Badge state="open" />)
    const badge = root.querySelector('.badge')!
    expect(badge.className).toBe('badge open')
    expect(badge.textContent).toBe('open')
  })

  it('shows an unknown state when there is none', () => {
    expect(mount(<Badge state={undefined} />).textContent).toBe('unknown')
  })

  it('renders a stat with its tone and a panel with its title and actions', () => {
    const root = mount(
      <Panel title="Quick stats" actions={<button type="button">pause</button>}>
        <Stat label="requests/s" value="12.5" tone="ok" />
      </Panel>,
    )
    expect(root.querySelector('h2')!.textContent).toBe('Quick statspause')
    expect(root.querySelector('.value.ok')!.textContent).toBe('12.5')
  })
})
