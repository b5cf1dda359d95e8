/**
 * Entry of the hostile-clients child process (see hostile-process.ts): reads its options as JSON from
 * argv, runs the hostile clients until their time is up or stdin closes, then prints what they sent as
 * one JSON line and exits.
 */
import { startRunClock } from '../record/clock.js'
import { startHostileClients } from './hostile-clients.js'

const { url, durationMs, idleSockets } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  durationMs: number
  idleSockets: number
}
const hostile = startHostileClients({ url, clock: startRunClock(), stopAtMs: durationMs, idleSockets })
await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, durationMs)
  process.stdin.once('end', () => {
    clearTimeout(timer)
    resolve()
  })
  process.stdin.resume()
})
await hostile.stop()
process.stdout.write(`${JSON.stringify({ sent: hostile.sent, statuses: hostile.statuses })}\n`)
process.exit(0)
