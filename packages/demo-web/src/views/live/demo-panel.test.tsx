// @vitest-environment happy-dom
import { render } from 'preact'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { capabilities } from '../../api/capabilities.js'
import type { AmbientStatus, Capabilities, ChainView } from '../../api/types.js'
import { StoreContext } from '../../app-context.js'
import { scenarioTimeline } from '../../scenarios/session.js'
import { createDashboardStore } from '../../stream/dashboard-store.js'
import { DemoPanel, describeAmbient } from './demo-panel.js'

const demoCaps: Capabilities = {
  demo: true,
  controls: true,
  simulatedProviders: true,
  adminTokenHeader: 'x-chainpulse-admin-token',
}

const running: AmbientStatus = {
  running: true,
  clients: { clients: 6, ratePerSecond: 4, sent: 1_200, errors: 0 },
  sampler: { ratePerSecond: 1, sent: 300 },
}

/** Answers GET /api/demo/status with `ambient`, records every POST. */
function fakeServer(ambient: AmbientStatus | null) {
  const posts: string[] = []
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') posts.push(url)
    const body = init?.method === 'POST' ? {} : { load: null, sampler: null, ambient }
    return new Response(JSON.stringify(body), { status: 200 })
  })
  return posts
}

function mount(): HTMLElement {
  const store = createDashboardStore()
  store.apply([
    { topic: 'chains', payload: [{ name: 'ethereum' } as ChainView, { name: 'polygon' } as ChainView] },
  ])
  const root = document.createElement('div')
  render(
    <StoreContext.Provider value={store}>
      <DemoPanel />
    </StoreContext.Provider>,
    root,
  )
  return root
}

const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 0))
}

afterEach(() => {
  capabilities.value = null
  scenarioTimeline.value = []
  vi.unstubAllGlobals()
})

describe('DemoPanel', () => {
  it('is not shown outside demo mode', () => {
    fakeServer(null)
    capabilities.value = { ...demoCaps, demo: false }
    expect(mount().innerHTML).toBe('')
  })

  it('shows ambient traffic running, and switches it off on a click', async () => {
    const posts = fakeServer(running)
    capabilities.value = demoCaps
    const root = mount()
    await settle()
    const toggle = root.querySelector<HTMLInputElement>('[data-testid="ambient-toggle"]')!
    expect(toggle.checked).toBe(true)
    expect(root.querySelector('[data-testid="ambient-status"]')!.textContent).toBe(
      '6 simulated clients (HTTP + WebSocket) · 4 req/s · routing sampler 1/s · 1,500 sent',
    )
    toggle.checked = false
    toggle.dispatchEvent(new Event('change', { bubbles: true }))
    await settle()
    expect(posts).toEqual(['/api/demo/ambient/stop'])
  })

  it('offers the leader kill on the filtered or first chain, and shows the scenario timeline', async () => {
    fakeServer(null)
    capabilities.value = demoCaps
    scenarioTimeline.value = [
      {
        at: 0,
        text: 'traffic moves off ethereum-alpha',
        status: 'done',
        note: 'now served by ethereum-bravo',
      },
    ]
    const root = mount()
    await settle()
    expect(root.querySelector('[data-testid="demo-kill-leader"]')!.textContent).toBe(
      '⚡ Kill the leader of ethereum',
    )
    expect(root.querySelector<HTMLInputElement>('[data-testid="ambient-toggle"]')!.checked).toBe(false)
    expect(root.querySelector('[data-testid="demo-timeline"] [data-field="note"]')!.textContent).toContain(
      'now served by ethereum-bravo',
    )
  })
})

describe('describeAmbient', () => {
  it('says what runs, or that nothing does', () => {
    expect(describeAmbient(null)).toBe('no simulated clients: only the traffic you send shows here')
    expect(describeAmbient({ ...running, running: false })).toBe(
      'no simulated clients: only the traffic you send shows here',
    )
  })
})
