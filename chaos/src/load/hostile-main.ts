/**
 * Entry of the hostile-clients child process (see hostile-process.ts): reads its options as JSON from
 * argv, prints `ready` once loaded, starts the hostile clients on the first line on stdin, runs them
 * until their time is up or stdin closes, then prints what they sent as one JSON line and exits.
 */
import { startRunClock } from '../record/clock.js'
import { type HostileKind, startHostileClients } from './hostile-clients.js'

const { url, durationMs, idleSockets, kinds } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  durationMs: number
  idleSockets: number
  kinds?: HostileKind[]
}
process.stdout.write('ready\n')
process.stdin.resume()
const go = await new Promise<boolean>((resolve) => {
  process.stdin.once('data', () => resolve(true))
  process.stdin.once('end', () => resolve(false))
})
// Its own CPU time over the attack: on a machine of few cores, what it takes is not the server's to use.
const cpuAtStart = process.cpuUsage()
const hostile = startHostileClients({
  url,
  clock: startRunClock(),
  stopAtMs: go ? durationMs : 0,
  idleSockets,
  kinds,
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
const cpu = process.cpuUsage(cpuAtStart)
process.stdout.write(
  `${JSON.stringify({ sent: hostile.sent, statuses: hostile.statuses, slowWsReaders: hostile.slowWsReaders, cpuMs: (cpu.user + cpu.system) / 1_000 })}\n`,
)
process.exit(0)
