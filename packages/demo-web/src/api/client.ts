import type {
  Capabilities,
  ClusterView,
  DemoProvider,
  DemoReorg,
  DemoStatus,
  LeaderboardDetail,
  PersonalityPatch,
  ProviderPreset,
  RpcStatsRow,
  ScoreHistory,
  StrategiesView,
} from './types.js'

/** An API call answered with a non-2xx status; `message` is the server's `error.message` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text()
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const message =
      (body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${response.status}`
    throw new ApiError(response.status, message)
  }
  return body as T
}

/** `GET` a JSON endpoint of the same origin. @throws {ApiError} on a non-2xx answer. */
export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: 'application/json' } }))
}

/** `POST` JSON to an endpoint of the same origin. @throws {ApiError} on a non-2xx answer. */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }),
  )
}

const enc = encodeURIComponent

/** The dashboard's calls, one per endpoint it uses. */
export const api = {
  capabilities: () => getJson<Capabilities>('/api/capabilities'),
  strategies: () => getJson<StrategiesView>('/api/strategies'),
  cluster: () => getJson<ClusterView>('/api/cluster'),
  leaderboard: (chain: string) => getJson<LeaderboardDetail>(`/api/leaderboard/${enc(chain)}`),
  scoreHistory: (chain: string) => getJson<ScoreHistory>(`/api/leaderboard/${enc(chain)}/history`),
  rpcStats: (chain: string, groupBy: string) =>
    getJson<{ rows: RpcStatsRow[] }>(`/api/rpc-stats/${enc(chain)}?groupBy=${enc(groupBy)}`),
  demoStatus: () => getJson<DemoStatus>('/api/demo/status'),
  demoProviders: () => getJson<{ providers: DemoProvider[] }>('/api/demo/providers'),
  setStrategy: (chain: string, strategy: string) =>
    postJson(`/api/demo/chains/${enc(chain)}/strategy`, { strategy }),
  providerAction: (id: string, action: 'kill' | 'revive' | 'drop' | 'stop' | 'healthy') =>
    postJson(`/api/demo/providers/${enc(id)}/${action}`),
  reorg: (chain: string, depth: number) =>
    postJson<DemoReorg>(`/api/demo/chains/${enc(chain)}/reorg`, { depth }),
  cooldown: (id: string, ms: number) => postJson(`/api/demo/providers/${enc(id)}/cooldown`, { ms }),
  personality: (id: string, patch: PersonalityPatch) =>
    postJson(`/api/demo/providers/${enc(id)}/personality`, patch),
  startProvider: (chain: string, preset: ProviderPreset) =>
    postJson<{ id: string }>('/api/demo/providers', { chain, preset }),
  startLoad: (input: { ratePerSecond: number; clients: number; durationMs: number; transports: string[] }) =>
    postJson('/api/demo/load/start', input),
  stopLoad: () => postJson('/api/demo/load/stop'),
  startSampler: (ratePerSecond: number) => postJson('/api/demo/sampler/start', { ratePerSecond }),
  stopSampler: () => postJson('/api/demo/sampler/stop'),
  startAmbient: () => postJson('/api/demo/ambient/start'),
  stopAmbient: () => postJson('/api/demo/ambient/stop'),
}
