import { connect } from 'node:net'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from './start-redis-server.js'

/** Sends one inline command and resolves with the first reply line, or `undefined` if nothing answers. */
function ask(port: number, command: string, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let reply = ''
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    const finish = (line: string | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(line)
    }
    socket.once('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) finish(reply.slice(0, reply.indexOf('\r\n')))
    })
    socket.once('error', () => finish(undefined))
  })
}

describe('startRedisServer', () => {
  const servers: RedisServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()))
  })
  const start = async () => {
    const server = await startRedisServer()
    servers.push(server)
    return server
  }

  it('answers PING on a loopback port named by its url', async () => {
    const server = await start()
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(server.running).toBe(true)
    expect(await ask(server.port, 'PING')).toBe('+PONG')
  })

  it('keeps nothing on disk', async () => {
    const server = await start()
    const client = new Redis(server.url)
    try {
      expect(await client.config('GET', 'save')).toEqual(['save', ''])
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no'])
    } finally {
      client.disconnect()
    }
  })

  it('gives two servers two ports', async () => {
    const [a, b] = await Promise.all([start(), start()])
    expect(a!.port).not.toBe(b!.port)
  })

  it('is gone after kill and answers again on the same port after restart', async () => {
    const server = await start()
    await server.kill()
    expect(server.running).toBe(false)
    expect(await ask(server.port, 'PING', 300)).toBeUndefined()
    await server.restart()
    expect(server.running).toBe(true)
    expect(await ask(server.port, 'PING')).toBe('+PONG')
  })

  it('answers nothing while paused, and again once resumed', async () => {
    const server = await start()
    await server.pause()
    expect(await ask(server.port, 'PING', 300)).toBeUndefined()
    server.resume()
    expect(await ask(server.port, 'PING')).toBe('+PONG')
  })

  it('stops a paused server', async () => {
    const server = await start()
    await server.pause()
    await server.stop()
    expect(server.running).toBe(false)
  })

  it('says what to install when redis-server is missing', async () => {
    await expect(startRedisServer({ command: 'redis-server-that-does-not-exist' })).rejects.toThrow(
      /redis-server not found .*apt-get install redis-server/,
    )
  })

  it('reports an early exit with redis-server output', async () => {
    await expect(startRedisServer({ args: ['--no-such-option', 'x'] })).rejects.toThrow(
      /exited before it was ready/,
    )
  })
})
