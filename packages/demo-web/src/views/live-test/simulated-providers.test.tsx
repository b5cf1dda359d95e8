// @vitest-environment happy-dom
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import type { DemoProvider } from '../../api/types.js'
import { groupByChain, SimulatedProvidersPanel } from './simulated-providers.js'

const provider = (id: string, chain: string, running = true): DemoProvider => ({
  id,
  chain,
  running,
  mode: 'up',
  personality: {
    latencyMs: 40,
    jitterMs: 5,
    errorRate: 0.02,
    hangRate: 0,
    lagBlocks: 0,
    wsDelayMs: 10,
    wsDropRate: 0,
  },
})

describe('groupByChain', () => {
  it('lists every known chain, running providers apart from stopped ones, ids sorted', () => {
    const groups = groupByChain(
      [provider('eth-b', 'ethereum'), provider('eth-a', 'ethereum'), provider('eth-c', 'ethereum', false)],
      ['ethereum', 'polygon'],
    )
    expect(
      groups.map((group) => [
        group.chain,
        group.running.map((entry) => entry.id),
        group.stopped.map((entry) => entry.id),
      ]),
    ).toEqual([
      ['ethereum', ['eth-a', 'eth-b'], ['eth-c']],
      ['polygon', [], []],
    ])
  })
})

describe('SimulatedProvidersPanel', () => {
  it('starts a provider with the chosen preset and stops a running one', async () => {
    const started: string[] = []
    const stopped: string[] = []
    const root = document.createElement('div')
    document.body.append(root)
    await act(() => {
      render(
        <SimulatedProvidersPanel
          chains={['ethereum', 'polygon']}
          providers={[provider('eth-a', 'ethereum'), provider('eth-z', 'ethereum', false)]}
          onStart={(chain, preset) => started.push(`${chain}:${preset}`)}
          onStop={(id) => stopped.push(id)}
        />,
        root,
      )
    })
    const preset = root.querySelector<HTMLSelectElement>('[data-testid="start-preset-polygon"]')!
    await act(() => {
      preset.value = 'flaky'
      preset.dispatchEvent(new Event('change'))
    })
    root.querySelector<HTMLButtonElement>('[data-testid="start-provider-polygon"]')!.click()
    root.querySelector<HTMLButtonElement>('[data-testid="start-provider-ethereum"]')!.click()
    root.querySelector<HTMLButtonElement>('[data-testid="stop-eth-a"]')!.click()
    expect(started).toEqual(['polygon:flaky', 'ethereum:steady'])
    expect(stopped).toEqual(['eth-a'])
    // A stopped provider is listed but cannot be stopped again.
    expect(root.querySelector('[data-testid="stop-eth-z"]')).toBeNull()
    expect(root.querySelector('[data-provider="eth-z"]')!.textContent).toContain('stopped')
    render(null, root)
  })

  it('shows only the filtered chains', () => {
    const root = document.createElement('div')
    render(
      <SimulatedProvidersPanel
        chains={['polygon']}
        providers={[provider('eth-a', 'ethereum'), provider('pol-a', 'polygon')]}
        onStart={() => {}}
        onStop={() => {}}
      />,
      root,
    )
    expect(
      [...root.querySelectorAll('[data-chain]')].map((element) => element.getAttribute('data-chain')),
    ).toEqual(['polygon'])
  })
})
