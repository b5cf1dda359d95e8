export { type ConnectedRedis, startConnectedRedis } from './start-connected-redis.js'
export { type RedisServer, type StartRedisServerOptions, startRedisServer } from './start-redis-server.js'
export { waitFor } from './wait-for.js'
