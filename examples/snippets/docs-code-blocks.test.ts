import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { codeBlocks, type DocBlock, markdownPages, normalizeCode } from '../testing/doc-blocks.js'
import { repoRoot } from '../testing/run-command.js'

// The rule (docs/development.md, "Code blocks in the docs"): every fenced code block a reader may copy
// is a tested example file, an excerpt of one, something a named test runs, or says why nothing runs it.
const pages = markdownPages()
const blocks = pages.flatMap(codeBlocks)
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const where = (block: DocBlock) => `${block.page}:${block.line}`

/** Example files live where every file is run by a test: an example project, the snippets, a package's examples/. */
const EXAMPLE_FOLDER = /^(examples\/[\w-]+|packages\/[\w-]+\/examples)\//

describe('code blocks in the docs', () => {
  it('covers README.md, every docs page and every example README', () => {
    expect(pages).toContain('README.md')
    expect(pages).toContain('docs/server.md')
    expect(pages).toContain('examples/library-basic/README.md')
    expect(blocks.length).toBeGreaterThan(40)
  })

  it('puts a marker above every block', () => {
    const unmarked = blocks
      .filter((block) => !block.marker)
      .map(
        (block) =>
          `${where(block)}: a \`\`\`${block.lang} block without <!-- example|excerpt|checked-by|not-runnable: ... -->`,
      )
    expect(unmarked).toEqual([])
  })

  it.each(blocks.filter((block) => block.marker?.kind === 'example').map((block) => [where(block), block]))(
    '%s is its example file, verbatim',
    (_where, block) => {
      const path = (block.marker as { path: string }).path
      expect(path).toMatch(EXAMPLE_FOLDER)
      expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true)
      expect(block.code).toBe(read(path))
    },
  )

  it.each(blocks.filter((block) => block.marker?.kind === 'excerpt').map((block) => [where(block), block]))(
    '%s is an excerpt of its file',
    (_where, block) => {
      const path = (block.marker as { path: string }).path
      expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true)
      expect(normalizeCode(read(path))).toContain(normalizeCode(block.code))
    },
  )

  it.each(
    blocks.filter((block) => block.marker?.kind === 'checked-by').map((block) => [where(block), block]),
  )('%s is checked by a test that reads its page', (_where, block) => {
    const path = (block.marker as { path: string }).path
    expect(path).toMatch(/\.test\.ts$/)
    expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true)
    expect(read(path)).toContain(basename(block.page))
  })

  it('gives a reason wherever nothing runs a block', () => {
    const reasons = blocks.flatMap((block) =>
      block.marker?.kind === 'not-runnable' ? [{ at: where(block), reason: block.marker.reason }] : [],
    )
    expect(reasons.filter(({ reason }) => reason.split(/\s+/).length < 3)).toEqual([])
  })
})

describe('the examples', () => {
  const projects = readdirSync(join(repoRoot, 'examples'), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(repoRoot, 'examples', entry.name, 'package.json')),
    )
    .map((entry) => entry.name)

  it.each(projects)('%s has a README and a test', (name) => {
    const files = readdirSync(join(repoRoot, 'examples', name))
    expect(files).toContain('README.md')
    expect(files.some((file) => file.endsWith('.test.ts'))).toBe(true)
  })

  it('tests every snippet', () => {
    const files = readdirSync(join(repoRoot, 'examples/snippets'))
    const snippets = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    expect(snippets.filter((file) => !files.includes(file.replace(/\.ts$/, '.test.ts')))).toEqual([])
  })
})
