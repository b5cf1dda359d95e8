import type { ProviderPoolEvent } from '@chainpulse/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createKillLog } from './kill-log.js'

const providers = [
  { id: 'alpha', httpUrl: 'http://127.0.0.1:1/' },
  { id: 'bravo', httpUrl: 'http://127.0.0.1:2/' },
]
const event = (type: ProviderPoolEvent['type'], providerId: string, viaPeer?: string) =>
  ({ type, chain: 'ethereum', providerId, ts: 0, ...(viaPeer ? { viaPeer } : {}) }) as ProviderPoolEvent

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createKillLog', () => {
  it("counts the other instances' calls of the method to the killed provider after the first first-hand verdict", async () => {
    vi.stubGlobal('fetch', async () => new Response('{}'))
    const log = createKillLog(providers)
    const call = (instance: string, url: string, method: string) =>
      log.fetch(instance)(url, { method: 'POST', body: JSON.stringify({ method }) })
    await call('B', 'http://127.0.0.1:2/', 'net_version') // before the kill: not counted
    log.killed('A', 'bravo')
    log.verdicts('C')(event('unhealthy', 'bravo'), 'provider_pool:events', 'A') // a peer's, heard
    log.verdicts('C')(event('unhealthy', 'bravo', 'A'), 'provider_pool:events', undefined) // following a peer
    log.verdicts('A')(event('circuit_open', 'alpha'), 'provider_pool:events', undefined) // another provider
    await call('C', 'http://127.0.0.1:2/', 'net_version') // before the verdict: not counted
    log.verdicts('B')(event('unhealthy', 'bravo'), 'provider_pool:events', undefined)
    await call('B', 'http://127.0.0.1:2/', 'net_version') // the judge's own: not counted
    await call('A', 'http://127.0.0.1:2/', 'eth_chainId') // another method: not counted
    await call('A', 'http://127.0.0.1:1/', 'net_version') // another provider: not counted
    await call('A', 'http://127.0.0.1:2/', 'net_version')
    await call('C', 'http://127.0.0.1:2/', 'net_version')
    expect(log.afterFirstVerdict('bravo', 'net_version')).toEqual({ judge: 'B', callsAfterVerdict: 2 })
    expect(log.entries.filter((entry) => entry.kind === 'call')).toHaveLength(7)
  })

  it('finds no verdict when no instance judged the killed provider after the kill', () => {
    const log = createKillLog(providers)
    log.verdicts('A')(event('unhealthy', 'bravo'), 'provider_pool:events', undefined)
    log.killed('A', 'bravo')
    expect(log.afterFirstVerdict('bravo', 'net_version')).toBeUndefined()
  })
})
