/**
 * Entry of the hostile-clients child process (see hostile-process.ts): reads its options as JSON from
 * argv, prints `ready` once loaded, starts the hostile clients on the first line on stdin, runs them
 * until their time is up or stdin closes, then prints what they sent as one JSON line and exits.
 */
import { startRunClock } from '../record/clock.js'
import { startHostileClients } from './hostile-clients.js'

const { url, durationMs, idleSockets } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  durationMs: number
  idleSockets: number
}
process.stdout.write('ready\n')
process.stdin.resume()
const go = await new Promise<boolean>((resolve) => {
  process.stdin.once('data', () => resolve(true))
  process.stdin.once('end', () => resolve(false))
})
const hostile = startHostileClients({
  url,
  clock: startRunClock(),
  stopAtMs: go ? durationMs : 0,
  idleSockets,
})
if (go)
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, durationMs)
    process.stdin.once('end', () => {
      clearTimeout(timer)
      resolve()
    })
  })
await hostile.stop()
process.stdout.write(
  `${JSON.stringify({ sent: hostile.sent, statuses: hostile.statuses, slowWsReaders: hostile.slowWsReaders })}\n`,
)
process.exit(0)
