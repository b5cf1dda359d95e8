import { describe, expect, it } from 'vitest'
import { useTestServerPerTest } from '../testing/harness.js'

const start = useTestServerPerTest()

describe('GET /api/cluster', () => {
  it('says cluster mode is off for a server without `cluster`', async () => {
    const server = start()
    const response = await server.app.inject({ method: 'GET', url: '/api/cluster' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ enabled: false })
  })
})
