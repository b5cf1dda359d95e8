#!/usr/bin/env node
import { HELP, parseCli, summary } from './cli-args.js'
import { type Devnet, startDevnet } from './devnet.js'
import { writeManifest } from './manifest.js'

async function main(): Promise<void> {
  // pnpm runs package scripts in the package folder; INIT_CWD is where the user typed the command
  const cwd = process.env.INIT_CWD ?? process.cwd()
  const { options, manifestPath, help } = await parseCli(process.argv.slice(2), cwd)
  if (help) {
    process.stdout.write(`${HELP}\n`)
    return
  }
  const devnet: Devnet = await startDevnet(options)
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1) // second signal: give up waiting; the exit hook still kills anvil
    stopping = true
    process.stderr.write(`\n${signal}: stopping devnet…\n`)
    devnet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGHUP', () => shutdown('SIGHUP'))
  const manifest = devnet.manifest
  if (manifestPath) await writeManifest(manifestPath, manifest)
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`)
  process.stderr.write(
    `${summary(manifest)}\n${manifestPath ? `manifest written to ${manifestPath}\n` : ''}Ready. Ctrl-C to stop.\n`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`chainpulse-devnet: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
