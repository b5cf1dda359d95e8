import { describe, expect, it } from 'vitest'
import { startConnectedRedis } from './start-connected-redis.js'

describe('startConnectedRedis', () => {
  it('resolves with a ready client, and stop closes it and stops the server', async () => {
    const redis = await startConnectedRedis()
    try {
      expect(redis.client.status).toBe('ready')
      expect(await redis.client.ping()).toBe('PONG')
    } finally {
      await redis.stop()
    }
    expect(redis.client.status).toBe('end')
    expect(redis.server.running).toBe(false)
  })

  it('reset brings a killed server back, empty, with the client reconnected', async () => {
    const redis = await startConnectedRedis()
    try {
      await redis.client.set('left-over', '1')
      await redis.server.kill()
      await redis.reset()
      expect(redis.client.status).toBe('ready')
      expect(await redis.client.dbsize()).toBe(0)
      await redis.client.set('left-over', '1')
      await redis.server.pause()
      await redis.reset()
      expect(await redis.client.dbsize()).toBe(0)
    } finally {
      await redis.stop()
    }
  })
})
