import { describe, expect, it } from 'vitest'
import { CliUsageError, parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
  it('reads demo with its defaults left to the command', () => {
    expect(parseCliArgs(['demo'])).toEqual({
      command: 'demo',
      port: undefined,
      host: undefined,
      snapshot: undefined,
      snapshotIntervalMs: undefined,
      seed: undefined,
      ambient: true,
    })
  })

  it('reads demo flags: port, host, snapshot path and interval, seed', () => {
    expect(
      parseCliArgs([
        'demo',
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--snapshot',
        's.json',
        '--snapshot-interval',
        '5000',
        '--seed',
        '7',
      ]),
    ).toEqual({
      command: 'demo',
      port: 0,
      host: '0.0.0.0',
      snapshot: 's.json',
      snapshotIntervalMs: 5000,
      seed: 7,
      ambient: true,
    })
    expect(parseCliArgs(['demo', '--no-snapshot', '--seed', 'abc', '--no-ambient'])).toMatchObject({
      snapshot: false,
      seed: 'abc',
      ambient: false,
    })
  })

  it('reads serve with its config file, long or short', () => {
    expect(parseCliArgs(['serve', '--config', 'c.yaml', '--port', '8080'])).toMatchObject({
      command: 'serve',
      config: 'c.yaml',
      port: 8080,
    })
    expect(parseCliArgs(['serve', '-c', 'c.yaml'])).toMatchObject({ command: 'serve', config: 'c.yaml' })
  })

  it('reads config check with its file', () => {
    expect(parseCliArgs(['config', 'check', 'c.yaml'])).toEqual({ command: 'config-check', file: 'c.yaml' })
  })

  it('answers version for --version, -v and version', () => {
    for (const argv of [['--version'], ['-v'], ['version']])
      expect(parseCliArgs(argv)).toEqual({ command: 'version' })
  })

  it('answers help for no arguments, help, --help and -h anywhere', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h'], ['demo', '--help'], ['serve', '-h']])
      expect(parseCliArgs(argv)).toEqual({ command: 'help' })
  })

  it.each([
    [['launch'], /unknown command "launch"/],
    [['serve'], /serve needs --config/],
    [['serve', '--config'], /argument missing/],
    [['demo', '--prot', '1'], /Unknown option '--prot'/],
    [['demo', '--port', 'http'], /--port: expected a non-negative integer, got "http"/],
    [['demo', '--port', '70000'], /not a port/],
    [['demo', '--port', '-1'], /--port/],
    [['demo', 'extra'], /unexpected argument "extra"/],
    [['demo', '--snapshot', 'a', '--no-snapshot'], /exclude each other/],
    [['demo', '--snapshot-interval', '10'], /at least 1000 ms/],
    [['serve', '--config', 'c.yaml', '--no-ambient'], /Unknown option '--no-ambient'/],
    [['config'], /unknown config command ""/],
    [['config', 'lint', 'x'], /unknown config command "lint"/],
    [['config', 'check'], /config check needs a file/],
    [['config', 'check', 'a', 'b'], /unexpected argument "b"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError)
    expect(() => parseCliArgs(argv)).toThrow(message)
  })
})
