// @vitest-environment happy-dom
import { signal } from '@preact/signals'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import type { RoutingDecision } from '../../api/types.js'
import { createRequestLog } from './request-log.js'
import { RequestLogPanel } from './request-log-panel.js'

const decision = (ts: number, providerId: string, chain = 'ethereum'): RoutingDecision => ({
  ts,
  chain,
  method: 'eth_getBalance',
  strategy: 'fastest',
  providerId,
  durationMs: 12.5,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
})

describe('RequestLogPanel', () => {
  it('lists the chosen chain newest first, marks off-leader rows and can show only those', async () => {
    const log = createRequestLog()
    log.record(decision(1, 'alpha'), 'alpha')
    log.record(decision(2, 'beta'), 'alpha')
    log.record(decision(3, 'gamma', 'polygon'), 'gamma')
    const root = document.createElement('div')
    document.body.append(root)
    render(<RequestLogPanel tracker={{ log, revision: signal(0) }} chain="ethereum" />, root)
    const rows = () => [...root.querySelectorAll('tbody tr')]
    expect(rows().map((row) => row.querySelectorAll('td')[4]!.textContent)).toEqual(['≠ beta', 'alpha'])
    expect(rows()[0]!.getAttribute('data-off-leader')).toBe('true')
    expect(rows()[1]!.hasAttribute('data-off-leader')).toBe(false)
    expect(root.querySelector('[data-testid="request-log-share"]')!.textContent).toBe(
      '50.0% on the leader (1/2)',
    )
    const onlyOff = root.querySelector<HTMLInputElement>('[data-testid="request-log-off-leader"]')!
    await act(() => {
      onlyOff.checked = true
      onlyOff.dispatchEvent(new Event('change'))
    })
    expect(rows()).toHaveLength(1)
    await act(() => {
      onlyOff.checked = false
      onlyOff.dispatchEvent(new Event('change'))
    })
    expect(rows()).toHaveLength(2)
    render(null, root)
  })

  it('says how to get requests when there are none', () => {
    const root = document.createElement('div')
    render(<RequestLogPanel tracker={{ log: createRequestLog(), revision: signal(0) }} chain="" />, root)
    expect(root.textContent).toContain('No requests yet')
    expect(root.querySelector('h2')!.textContent).toContain('all chains')
  })
})
