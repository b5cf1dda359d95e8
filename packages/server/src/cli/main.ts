#!/usr/bin/env node
import { runCli } from './run-cli.js'
import { handleShutdownSignals } from './shutdown-signals.js'

// pnpm runs package scripts in the package folder; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd()

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd }).then(
  (outcome) => {
    if ('exitCode' in outcome) {
      process.exitCode = outcome.exitCode
      return
    }
    handleShutdownSignals({ close: () => outcome.running.close() })
  },
  (error: unknown) => {
    process.stderr.write(`chainpulse: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
