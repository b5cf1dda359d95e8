import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// A docs page that names an example file shows its code: the two must not drift apart.
const docsDir = new URL('../docs/', import.meta.url)
const pages = readdirSync(docsDir).filter((name) => name.endsWith('.md'))
const references = pages.flatMap((page) => {
  const text = readFileSync(new URL(page, docsDir), 'utf8')
  const files = new Set(text.match(/(?<![\w/])examples\/[\w-]+\.ts/g) ?? [])
  return [...files].map((file) => ({ page, file, text }))
})

describe('docs code matches the tested examples', () => {
  it('finds the examples the docs show', () => {
    expect(references.length).toBeGreaterThanOrEqual(5)
  })

  it.each(references.map((reference) => [reference.page, reference.file, reference.text]))(
    '%s shows %s verbatim',
    (_page, file, text) => {
      const code = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
      const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])
      expect(blocks).toContain(code)
    },
  )
})
