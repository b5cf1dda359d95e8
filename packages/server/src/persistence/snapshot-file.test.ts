import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBenchmarkStore } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { waitFor } from '@chainpulse/devnet/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSnapshotPersistence } from './snapshot-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainpulse-snapshot-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function storeWithRaces(clock = createFakeClock(1_000)) {
  const store = createBenchmarkStore({ clock })
  for (let block = 0; block < 20; block++) {
    store.recordRaceWin('ethereum', block % 4 === 0 ? 'bravo' : 'alpha', 'newHeads', clock.now())
    store.recordRaceLoss(
      'ethereum',
      block % 4 === 0 ? 'alpha' : 'bravo',
      'newHeads',
      clock.now() + 5,
      5 + block,
    )
    clock.advance(100)
  }
  return store
}

describe('createSnapshotPersistence', () => {
  it('restores a saved store with an equal leaderboard', async () => {
    const path = join(dir, 'nested/folder/benchmarks.json')
    const store = storeWithRaces()
    await createSnapshotPersistence({ store, path }).save()

    const restored = createBenchmarkStore({ clock: createFakeClock(50_000) })
    const result = await createSnapshotPersistence({ store: restored, path }).restore()
    expect(result).toEqual({ status: 'restored', chains: 1 })
    expect(restored.leaderboard('ethereum')).toEqual(store.leaderboard('ethereum'))
    expect(restored.leaderboard('ethereum')[0]).toMatchObject({ providerId: 'alpha', wins: 15 })
  })

  it('reports a missing file and leaves the store empty', async () => {
    const store = createBenchmarkStore()
    const result = await createSnapshotPersistence({ store, path: join(dir, 'none.json') }).restore()
    expect(result).toEqual({ status: 'missing' })
    expect(store.chains()).toEqual([])
  })

  it.each([
    ['truncated JSON', '{"version":1,"savedAt":0,"chai', 'not valid JSON'],
    ['a snapshot of another shape', '{"version":99,"chains":"x"}', /./],
  ])('reports %s as corrupt, moves it aside and starts empty', async (_name, text, reason) => {
    const path = join(dir, 'benchmarks.json')
    await writeFile(path, text)
    const store = createBenchmarkStore()
    const result = await createSnapshotPersistence({ store, path }).restore()
    expect(result).toMatchObject({
      status: 'corrupt',
      reason: expect.stringMatching(reason),
      movedTo: `${path}.corrupt`,
    })
    expect(store.chains()).toEqual([])
    expect(await readFile(`${path}.corrupt`, 'utf8')).toBe(text)
    expect(await readdir(dir)).toEqual(['benchmarks.json.corrupt'])
  })

  it('writes every interval and once more on stop, replacing the file whole', async () => {
    const clock = createFakeClock(1_000)
    const store = storeWithRaces(clock)
    const path = join(dir, 'benchmarks.json')
    const persistence = createSnapshotPersistence({ store, path, intervalMs: 5_000, clock })
    persistence.start()
    clock.advance(4_999)
    expect(await readdir(dir)).toEqual([])

    clock.advance(1)
    const first = await waitFor(() => readFile(path, 'utf8').catch(() => undefined), {
      what: 'first snapshot',
    })
    expect(JSON.parse(first).chains).toHaveLength(1)

    store.recordRaceWin('polygon', 'alpha', 'newHeads', clock.now())
    await waitFor(() => clock.pendingTimers() === 1, { what: 'the next write scheduled' })
    await persistence.stop()
    const last = JSON.parse(await readFile(path, 'utf8'))
    expect(last.chains.map((chain: { chain: string }) => chain.chain)).toEqual(['ethereum', 'polygon'])
    // no temporary files left behind
    expect(await readdir(dir)).toEqual(['benchmarks.json'])
  })

  it('keeps running after a failed write and reports it', async () => {
    const clock = createFakeClock()
    const errors: unknown[] = []
    // a file where the folder should be: every write fails
    await writeFile(join(dir, 'blocker'), '')
    const persistence = createSnapshotPersistence({
      store: createBenchmarkStore({ clock }),
      path: join(dir, 'blocker/benchmarks.json'),
      intervalMs: 1_000,
      clock,
      onError: (error) => errors.push(error),
    })
    persistence.start()
    clock.advance(1_000)
    await waitFor(() => errors.length === 1, { what: 'first failure reported' })
    await waitFor(
      () => {
        clock.advance(1_000)
        return errors.length >= 2
      },
      { what: 'a second attempt' },
    )
    await expect(persistence.stop()).rejects.toThrow()
  })
})
