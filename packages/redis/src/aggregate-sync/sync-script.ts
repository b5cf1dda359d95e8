import type { Redis } from 'ioredis'

/**
 * One round trip, atomic: store this instance's aggregates with a TTL, register it in the index set,
 * publish the value on the sync channel as `<instance id>\n<value>` (so the others merge it at once
 * rather than at their own next sync, and a reader skips its own without decoding it), and return every other registered instance's stored value. An instance whose value has expired (it
 * stopped syncing) is dropped from the index here, so the set cannot grow without bound; the index
 * itself expires with the last instance. Keys are built in the script (not declared), so it needs a
 * single Redis, not Redis Cluster.
 *
 * KEYS[1] index set; ARGV: key prefix of values, instance id, value, TTL (ms), channel.
 */
const SCRIPT = `
redis.call('SET', ARGV[1] .. ARGV[2], ARGV[3], 'PX', ARGV[4])
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[2] .. '\\n' .. ARGV[3])
local others = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id ~= ARGV[2] then
    local value = redis.call('GET', ARGV[1] .. id)
    if value then others[#others + 1] = value else redis.call('SREM', KEYS[1], id) end
  end
end
return others
`

/** Where an aggregate sync keeps its data, under one prefix. */
export interface SyncKeys {
  /** Set of the instance ids that synced within a TTL. */
  index: string
  /** Prefix of each instance's value key (`<values><instanceId>`). */
  values: string
  /** Channel each written value is also published on. */
  channel: string
}

export function syncKeys(keyPrefix: string): SyncKeys {
  return { index: `${keyPrefix}index`, values: `${keyPrefix}instance:`, channel: `${keyPrefix}synced` }
}

/**
 * Writes (and publishes) `value` as `instanceId`'s aggregates and resolves with the other instances'
 * stored values.
 */
export async function exchange(
  connection: Redis,
  keys: SyncKeys,
  instanceId: string,
  value: Buffer,
  ttlMs: number,
): Promise<Buffer[]> {
  // Binary in, binary out: values are deflated JSON.
  const reply = await connection.callBuffer('EVAL', [
    SCRIPT,
    1,
    keys.index,
    keys.values,
    instanceId,
    value,
    ttlMs,
    keys.channel,
  ])
  return Array.isArray(reply) ? reply.filter((item): item is Buffer => Buffer.isBuffer(item)) : []
}
