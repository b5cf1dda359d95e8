import type { Redis } from 'ioredis'
import * as z from 'zod/mini'

/** Where to connect: a `redis://` / `rediss://` URL, or an ioredis client whose settings are copied. */
export type RedisTarget = string | Redis

function isRedisClient(value: unknown): value is Redis {
  return typeof value === 'object' && value !== null && typeof (value as Redis).duplicate === 'function'
}

/** The `redis` option shared by every factory of this package. */
export const redisTargetSchema = z.union([
  z.string().check(z.regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')),
  z.custom<Redis>(isRedisClient, 'expected an ioredis client (an object with duplicate())'),
])

/** An optional callback. */
export const callbackSchema = <T extends (...args: never[]) => unknown>() =>
  z.optional(z.custom<T>((value) => typeof value === 'function', 'expected a function'))
