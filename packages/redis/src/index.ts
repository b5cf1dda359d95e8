export {
  type AggregateView,
  createRedisAggregateSync,
  type RedisAggregateSync,
  type RedisAggregateSyncOptions,
  type RedisAggregateSyncStatus,
} from './aggregate-sync/redis-aggregate-sync.js'
export {
  type CacheTtlSeconds,
  createRedisCacheStore,
  type RedisCacheStore,
  type RedisCacheStoreOptions,
  type RedisCacheStoreStatus,
} from './cache-store/redis-cache-store.js'
export {
  createRedisConnection,
  type RedisConnection,
  type RedisConnectionOptions,
} from './connection/create-redis-connection.js'
export type { RedisTarget } from './options/schemas.js'
export {
  createRedisPubSubAdapter,
  type RedisPubSubAdapter,
  type RedisPubSubAdapterOptions,
  type RedisPubSubAdapterStatus,
} from './pubsub/redis-pubsub-adapter.js'
