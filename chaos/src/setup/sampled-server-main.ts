/**
 * Entry of the sampled server's child process (see sampled-server.ts): starts ChainPulse with the
 * options given as JSON in argv, tells the parent its URL over IPC, answers `sample` messages with a
 * {@link ResourceSample} of this process, and closes the server on `stop` or when the parent goes away.
 */
import { type StartChainPulseOptions, startChainPulse } from '@chainpulse/server'
import { sampleResources } from '../record/memory.js'
import type { SampledServerMessage, SampledServerRequest } from './sampled-server.js'

const options = JSON.parse(process.argv[2] ?? '{}') as Pick<StartChainPulseOptions, 'pool' | 'server'>
const send = (message: SampledServerMessage) => process.send?.(message)
const running = await startChainPulse({
  ...options,
  listen: { port: 0, host: '127.0.0.1' },
  logger: false,
  shutdownTimeoutMs: 2_000,
})
const stop = async () => {
  await running.close()
  process.exit(0)
}
process.on('message', (message: SampledServerRequest) => {
  if (message.type === 'stop') void stop()
  else if (message.type === 'sample') {
    const emitters = { 'http server': running.app.server, process }
    running.app.server.getConnections((_error, connections) =>
      send({ type: 'sample', id: message.id, sample: sampleResources(emitters), connections }),
    )
  }
})
process.once('disconnect', () => void stop())
send({ type: 'ready', url: running.url })
