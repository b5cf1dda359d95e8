import { readFileSync } from 'node:fs'

/**
 * Whether a process is running. On Linux a zombie (exited, not yet reaped — common under container
 * init processes that do not reap) counts as gone, because it holds no port and runs no code.
 */
export function isProcessAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // the state letter follows the parenthesised command name
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
