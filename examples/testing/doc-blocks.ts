import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from './run-command.js'

/**
 * What the HTML comment right above a fenced code block says about it (see docs/development.md, "Code
 * blocks in the docs"):
 *
 * - `example: <file>` — the block is that whole file, verbatim; the file is run by a test;
 * - `excerpt: <file>` — the block's code appears in that file (comments and whitespace aside);
 * - `checked-by: <test>` — that test reads the block from the page and runs or reproduces it;
 * - `not-runnable: <reason>` — nothing runs it, for the reason given.
 */
export type DocBlockMarker =
  | { kind: 'example' | 'excerpt' | 'checked-by'; path: string }
  | { kind: 'not-runnable'; reason: string }

/** One fenced code block of a Markdown page. */
export interface DocBlock {
  /** The page, relative to the repository root (`docs/server.md`). */
  page: string
  /** 1-based line of the opening fence. */
  line: number
  /** First word of the info string (`ts`, `sh`, `yaml`), or `''`. */
  lang: string
  /** The block's text, ending with a newline. */
  code: string
  /** `undefined` when the line above the block is no marker. */
  marker: DocBlockMarker | undefined
}

const MARKER = /^<!--\s*(example|excerpt|checked-by|not-runnable):\s*(.*?)\s*-->$/
const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/

/**
 * The Markdown pages whose code blocks must be marked: README.md, every page in docs/, and the README.md
 * of examples/ and of each example, as repository-relative paths.
 */
export function markdownPages(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
  const examples = readdirSync(join(repoRoot, 'examples'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, 'examples', entry.name, 'README.md')))
    .map((entry) => `examples/${entry.name}/README.md`)
  return ['README.md', ...docs.sort(), 'examples/README.md', ...examples.sort()]
}

/** Every fenced code block of `page` (repository-relative), with the marker above it. */
export function codeBlocks(page: string): DocBlock[] {
  const lines = readFileSync(join(repoRoot, page), 'utf8').split('\n')
  const blocks: DocBlock[] = []
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index]!)
    if (!open) continue
    const [, indent, fence, info] = open as unknown as [string, string, string, string]
    const body: string[] = []
    let end = index + 1
    while (end < lines.length) {
      const close = FENCE.exec(lines[end]!)
      if (close && close[2]![0] === fence[0] && close[2]!.length >= fence.length && !close[3]!.trim()) break
      body.push(lines[end]!.startsWith(indent) ? lines[end]!.slice(indent.length) : lines[end]!.trimStart())
      end++
    }
    let above = index - 1
    while (above >= 0 && !lines[above]!.trim()) above--
    blocks.push({
      page,
      line: index + 1,
      lang: info.trim().split(/\s+/)[0] ?? '',
      code: body.length ? `${body.join('\n')}\n` : '',
      marker: above >= 0 ? parseMarker(lines[above]!.trim()) : undefined,
    })
    index = end
  }
  return blocks
}

function parseMarker(line: string): DocBlockMarker | undefined {
  const match = MARKER.exec(line)
  if (!match) return undefined
  const [, kind, value] = match as unknown as [string, DocBlockMarker['kind'], string]
  return kind === 'not-runnable' ? { kind, reason: value } : { kind, path: value }
}

/**
 * The blocks, on every page, whose marker is `checked-by: <the given test file>`: a test calls it with
 * its own `import.meta.url` to find what it must run.
 */
export function blocksCheckedBy(testFileUrl: string): DocBlock[] {
  const test = relative(repoRoot, fileURLToPath(testFileUrl))
  return markdownPages()
    .flatMap(codeBlocks)
    .filter((block) => block.marker?.kind === 'checked-by' && block.marker.path === test)
}

/**
 * Code without comments, `export` keywords and trailing commas, with every run of whitespace made one
 * space: an excerpt matches its file through this, so the docs may drop a file's TSDoc, add a comment of
 * their own, or wrap a line differently than the formatter did.
 */
export function normalizeCode(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/\bexport\s+/g, '')
    .replace(/,(\s*[)\]}])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
}
