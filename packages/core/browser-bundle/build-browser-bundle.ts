import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, version as esbuildVersion, type Plugin } from 'esbuild'

/**
 * The most a browser bundle of `consumer.ts` (a pool plus the viem transport, viem left to the app)
 * may weigh, gzipped, in decimal kilobytes like the issues' own figures: issue 12's 40 KB. What serves
 * many clients or many instances (the response cache, eth_getLogs range splitting, served filters) is an
 * add-on the server installs, outside this bundle unless an app uses it.
 */
export const browserBundleBudgetBytes = 40_000

/** Options of {@link buildBrowserBundle}. */
export interface BrowserBundleOptions {
  /**
   * Bundle viem as well. By default it stays an external import: viem is a peer dependency the app
   * already ships, so it is not ChainPulse's weight. @default false
   */
  includeViem?: boolean
  /**
   * `'esm'` is what an app's bundler produces and what is measured; `'iife'` assigns the consumer's
   * exports to a global `app`, for running the bundle as a plain script (needs `includeViem`).
   * @default 'esm'
   */
  format?: 'esm' | 'iife'
  /**
   * What validates core's options. `'core'` is core's own validator (src/validation/schema.ts). The
   * others swap that module, in this bundle only, for zod with the same API: `'zod-mini'` (with zod's
   * English messages, as core would need them) or `'zod-classic'` (what core used before issue 12).
   * Core's schemas are written in zod/mini's call shapes, so nothing else changes. @default 'core'
   */
  validation?: 'core' | 'zod-mini' | 'zod-classic'
}

/** A minified browser bundle of `consumer.ts` and its sizes. */
export interface BrowserBundle {
  code: string
  /** Minified size (bytes). */
  bytes: number
  /** Gzipped size at level 9 (bytes). */
  gzipBytes: number
  /** Minified bytes each input file contributes, largest first (paths relative to the repository). */
  inputs: { path: string; bytes: number }[]
  /** The esbuild version that built it. */
  esbuild: string
}

/**
 * Bundles `browser-bundle/consumer.ts` for the browser (esbuild, `platform: 'browser'`, minified) and
 * measures it. Core is bundled from its TypeScript sources (the `source` export condition), so no
 * `pnpm build` is needed and the figure is never that of a stale dist/. Apps bundle dist/, which
 * tsup builds from the same sources with esbuild too; bundling dist/ instead gave a figure within
 * 0.3 KB of this one whenever the two were compared.
 *
 * @example
 * const { gzipBytes } = await buildBrowserBundle()
 */
export async function buildBrowserBundle(options: BrowserBundleOptions = {}): Promise<BrowserBundle> {
  const root = fileURLToPath(new URL('../../..', import.meta.url))
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./consumer.ts', import.meta.url))],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: options.format ?? 'esm',
    ...(options.format === 'iife' ? { globalName: 'app' } : {}),
    platform: 'browser',
    conditions: ['source'],
    external: options.includeViem ? [] : ['viem', 'viem/*'],
    plugins: options.validation && options.validation !== 'core' ? [zodValidation(options.validation)] : [],
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const [output] = result.outputFiles
  const meta = Object.values(result.metafile.outputs)[0]
  if (!output || !meta) throw new Error('esbuild produced no output')
  return {
    code: output.text,
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength,
    inputs: Object.entries(meta.inputs)
      .map(([path, input]) => ({ path, bytes: input.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes),
    esbuild: esbuildVersion,
  }
}

// The names core's schemas use from src/validation/schema.ts (zod/mini's names, see that file).
const schemaApi = [
  ...['number', 'int', 'string', 'boolean', 'null', 'literal', 'array', 'object', 'strictObject'],
  ...['looseObject', 'record', 'union', 'discriminatedUnion', 'optional', '_default', 'custom', 'lte', 'lt'],
  ...['gte', 'gt', 'positive', 'nonnegative', 'minLength', 'refine', 'regex', 'superRefine', 'prefault'],
  ...['pipe', 'transform'],
]

// zod in place of core's validator, plus `run` (what parse-options calls) on top of it. zod/mini comes
// with zod's English locale (it loads none itself); classic zod is imported as core imported it
// before issue 12, `import { z } from 'zod'`, whose namespace object drags every locale along.
function zodValidation(flavour: 'zod-mini' | 'zod-classic'): Plugin {
  const api =
    flavour === 'zod-mini'
      ? `import * as z from 'zod/mini'\nexport * from 'zod/mini'`
      : `import { z } from 'zod'\n${schemaApi.map((name) => `export const ${name === 'null' ? '_null' : name} = z.${name}`).join('\n')}\nexport { _null as null }`
  return {
    name: 'zod-validation',
    setup(esbuild) {
      esbuild.onLoad({ filter: /[\\/]src[\\/]validation[\\/]schema\.ts$/ }, (args) => ({
        loader: 'ts',
        resolveDir: fileURLToPath(new URL('.', `file://${args.path}`)),
        contents: `${api}
          import en from 'zod/v4/locales/en.js'
          const error = en().localeError
          export function run(schema, payload) {
            const result = z.${flavour === 'zod-mini' ? 'safeParse(schema, payload.value, { error })' : 'safeParse(schema, payload.value)'}
            if (result.success) payload.value = result.data
            else payload.issues = result.error.issues
            return payload
          }`,
      }))
    },
  }
}

/** `bytes` as kilobytes with one decimal (decimal kilobytes, as the budget). */
export function formatKb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`
}
