import { promisify } from 'node:util'
import { deflateRaw, inflateRaw } from 'node:zlib'
import type { BenchmarkStoreSnapshot } from '@chainpulse/core'

const deflate = promisify(deflateRaw)
const inflate = promisify(inflateRaw)

/** Largest value decoded: far above any real store's aggregates, so a corrupt value cannot exhaust memory. */
const MAX_DECODED_BYTES = 256 * 1024 * 1024

/** What one instance publishes: its id and its store's aggregates. */
export interface SharedAggregates {
  instanceId: string
  snapshot: BenchmarkStoreSnapshot
  /**
   * Which run of the instance wrote it (random per sync object) and its sync count in that run: a
   * reader keeps the latest of two values of one run, whichever way (read or published) they arrive.
   */
  run: string
  seq: number
}

/**
 * The part of a snapshot the cluster needs: all-history aggregates (wins, margin and latency sketches)
 * only. The retained entry tables are most of a busy store's snapshot (two 10,000-row tables: ~1 MB of
 * JSON) and no leaderboard, rpcStats or marginStats reads them, so the sync asks for none
 * (`snapshot({ maxEntries: 0 })`, which also skips copying them) and this drops any a store sent anyway;
 * the recent figures steer this instance's routing only.
 */
export function shareable(snapshot: BenchmarkStoreSnapshot): BenchmarkStoreSnapshot {
  return {
    version: snapshot.version,
    savedAt: snapshot.savedAt,
    chains: snapshot.chains.map((chain) => ({
      ...chain,
      races: { ts: [], provider: [], eventType: [], win: [], marginMs: [] },
      rpcCalls: { ts: [], provider: [], method: [], strategy: [], durationMs: [], ok: [] },
      recent: [],
    })),
  }
}

/**
 * The value stored in Redis: `{"v":1,"instanceId":"…","run":"…","seq":1,"snapshot":{…}}`, deflated. Sketch buckets are
 * long runs of small numbers and zeros, so it shrinks 5-6×; zlib runs on libuv's thread pool, off the
 * event loop that serves requests.
 */
export async function encodeShared(shared: SharedAggregates): Promise<Buffer> {
  const { instanceId, run, seq, snapshot } = shared
  return deflate(JSON.stringify({ v: 1, instanceId, run, seq, snapshot }))
}

/**
 * Reads a stored value back; `undefined` when it is not one (another writer, another version). The
 * snapshot's inner layout is checked by the merge, not here.
 */
export async function decodeShared(stored: Buffer): Promise<SharedAggregates | undefined> {
  let value: unknown
  try {
    value = JSON.parse((await inflate(stored, { maxOutputLength: MAX_DECODED_BYTES })).toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, instanceId, run, seq, snapshot } = value as Record<string, unknown>
  if (v !== 1 || typeof instanceId !== 'string' || typeof snapshot !== 'object' || snapshot === null)
    return undefined
  return {
    instanceId,
    // A value without them (an older writer) is taken as it comes.
    run: typeof run === 'string' ? run : '',
    seq: typeof seq === 'number' ? seq : 0,
    snapshot: snapshot as BenchmarkStoreSnapshot,
  }
}
