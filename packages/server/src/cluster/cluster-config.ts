import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { DEFAULT_PEER_EVIDENCE_MAX_AGE_MS, DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS } from '@chainpulse/core'
import { z } from 'zod'
import { described } from '../config/config-reference.js'

/**
 * The `server.cluster` section: N instances behind a load balancer sharing events, the response cache
 * and rate limits through one Redis. Without it everything stays in-process.
 */
export const clusterConfigSchema = z.strictObject({
  redisUrl: described(
    'The Redis every instance of the cluster uses: `redis://[user:password@]host:port[/db]` or ' +
      '`rediss://...` for TLS. Give it through an environment variable ' +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's ${NAME} reference, not a template
      '(`${REDIS_URL}`); its password is masked in logs, errors, metrics and `/api` like every secret.',
    // The message never quotes the value: it may hold a password.
    z.string().regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL'),
  ),
  instanceId: described(
    "This instance's id in the cluster, unique among its instances: it tags the instance's events, " +
      'heartbeat and logs. Leave it out for `<hostname>-<pid>-<4 random hex digits>`.',
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, 'expected letters, digits, ".", "_", ":" or "-"')
      .optional(),
  ),
  heartbeatIntervalMs: described(
    'How often the instance writes its heartbeat (load, provider health) to Redis and reads the ' +
      "others'; an instance is gone from `GET /api/cluster` three intervals after its last heartbeat.",
    z.number().int().min(100).max(60_000).default(2_000),
  ),
  keyPrefix: described(
    'Prefix of every key and channel the cluster uses in Redis, so several clusters can share one Redis.',
    z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9._:-]*$/, 'expected letters, digits, ".", "_", ":" or "-"')
      .default('chainpulse:'),
  ),
  peerEvidence: described(
    "Shared provider observations: a peer instance's fresh down or circuit-open verdict keeps a provider " +
      "out of this instance's rotation until its own probe, sent at once, judges it (at most `maxAgeMs`); " +
      "a peer's cooldown applies for the time it has left. `false` turns it off: each instance then judges " +
      'every provider by its own calls only (see [provider-pool.md](provider-pool.md#shared-observations-across-instances)).',
    z
      .union([
        z.literal(false),
        z.strictObject({
          maxAgeMs: described(
            "Peers' events older than this (by their wall-clock timestamp) are ignored, and a peer's down " +
              'verdict holds a provider out of rotation at most this long after the peer saw it, in milliseconds.',
            z.number().int().positive().default(DEFAULT_PEER_EVIDENCE_MAX_AGE_MS),
          ),
          probeIntervalMs: described(
            "Least time between two probes of one provider prompted by peers' events, in milliseconds: a " +
              'flood of them costs at most one probe per provider per interval, never two at once.',
            z.number().int().positive().default(DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS),
          ),
        }),
      ])
      .default({
        maxAgeMs: DEFAULT_PEER_EVIDENCE_MAX_AGE_MS,
        probeIntervalMs: DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS,
      }),
  ),
})

/** The `server.cluster` section after validation. */
export type ClusterConfig = z.output<typeof clusterConfigSchema>

/**
 * The default instance id: the hostname and pid say where the instance runs (what an operator looks
 * for), and the random suffix keeps two instances apart where those coincide — containers that all
 * run as pid 1 under a shared hostname, or a restart that reuses a pid, whose old heartbeat is still
 * live for a few intervals.
 */
export function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._:-]/g, '-')
      .slice(0, 64) || 'chainpulse'
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}`
}

/**
 * The strings to mask for a Redis URL: its password, as written and decoded, and with its user. Not
 * the user alone (`urlSecrets` would mask it too): a user such as `chainpulse` would blank every metric
 * name. Nothing for a URL that does not parse, which validation refuses anyway.
 */
export function redisUrlSecrets(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  if (parsed.password === '') return []
  const decoded = safeDecode(parsed.password)
  return [...new Set([parsed.password, decoded, `${parsed.username}:${parsed.password}`])]
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
