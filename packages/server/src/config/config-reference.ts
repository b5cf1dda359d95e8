import type { JsonSchema } from '@chainpulse/core'
import { stringify } from 'yaml'
import { z } from 'zod'

/**
 * Attaches the description docs/configuration.md shows for a config field, and returns the schema.
 * The text comes first so a schema reads like the commented field it replaces.
 *
 * @example
 * const port = described('Port to listen on; 0 picks a free one.', z.number().int().default(4000))
 */
export function described<T extends z.ZodType>(
  description: string,
  schema: T,
  meta: { default?: unknown } = {},
): T {
  return schema.meta({ description, ...meta })
}

/** One top-level section of the config file, as {@link renderConfigReference} documents it. */
export interface ConfigReferenceSection {
  /** The section's key in the file (`pool`, `server`, ...). */
  key: string
  /**
   * The schema of the section's value: zod (classic or mini), read through `z.toJSONSchema`, or a JSON
   * Schema as it writes them (core's pool config, from `providerPoolConfigJsonSchema`).
   */
  schema: z.core.$ZodType | JsonSchema
  /** Markdown shown under the section's heading. */
  intro: string
  /** Whether the file must have the section. */
  required: boolean
}

/** A JSON Schema node as `z.toJSONSchema` writes it (the parts the reference reads). */
interface Node {
  type?: string | string[]
  description?: string
  default?: unknown
  const?: unknown
  enum?: unknown[]
  anyOf?: Node[]
  properties?: Record<string, Node>
  required?: string[]
  items?: Node
  propertyNames?: Node
  additionalProperties?: Node | boolean
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  pattern?: string
}

interface Table {
  path: string
  intro: string
  rows: string[][]
}

/**
 * The Markdown of docs/configuration.md: for each section, a table per object (its fields' type,
 * default, allowed values and description), nested objects and lists of objects in tables of their own.
 *
 * @throws {Error} when a field has no description: every field must say what it does.
 * @example
 * const page = renderConfigReference(
 *   [{ key: 'server', schema: serverConfigSchema, intro: 'The proxy settings.', required: false }],
 *   '# Configuration reference',
 * )
 */
export function renderConfigReference(sections: readonly ConfigReferenceSection[], preamble: string): string {
  const out = [preamble.trim(), '']
  for (const section of sections) {
    const root = (
      '_zod' in section.schema
        ? z.toJSONSchema(section.schema, { io: 'input', unrepresentable: 'any' })
        : section.schema
    ) as Node
    const tables: Table[] = []
    collectTables(root, section.key, section.intro, tables)
    out.push(`## \`${section.key}\`${section.required ? '' : ' (optional)'}`, '')
    for (const [index, table] of tables.entries()) {
      if (index > 0) out.push(`### \`${table.path}\``, '')
      if (table.intro) out.push(wrap(table.intro), '')
      out.push(...formatTable(['field', 'type', 'default', 'allowed', 'description'], table.rows), '')
    }
  }
  return `${out.join('\n').trimEnd()}\n`
}

/** Adds a table for the object `node` at `path`, then one for each object-valued field below it. */
function collectTables(node: Node, path: string, intro: string, tables: Table[]): void {
  const object = objectOf(node)
  if (!object?.properties) throw new Error(`${path}: expected an object schema`)
  const table: Table = { path, intro, rows: [] }
  tables.push(table)
  const nested: [Node, string, string][] = []
  for (const [name, field] of Object.entries(object.properties)) {
    const fieldPath = `${path}.${name}`
    if (!field.description) throw new Error(`${fieldPath}: no description (wrap the schema in described())`)
    const child = objectOf(field)
    const childPath = field.type === 'array' ? `${fieldPath}[]` : fieldPath
    const link = child ? ` Fields: [\`${childPath}\`](#${anchor(childPath)}).` : ''
    table.rows.push([
      `\`${name}\``,
      typeOf(field),
      defaultOf(field, object.required?.includes(name) ?? false, Boolean(child)),
      allowedOf(field),
      `${field.description}${link}`,
    ])
    if (child) nested.push([field, childPath, field.description])
  }
  for (const [field, childPath] of nested) collectTables(field, childPath, '', tables)
}

/** The object schema a field holds: itself, its object branch (`false | {...}`), or its list items. */
function objectOf(node: Node): Node | undefined {
  if (node.type === 'object' && node.properties) return node
  if (node.type === 'array' && node.items) return objectOf(node.items)
  for (const branch of node.anyOf ?? []) {
    const object = objectOf(branch)
    if (object) return object
  }
  return undefined
}

function typeOf(node: Node): string {
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ')
  if (node.const !== undefined) return `\`${String(node.const)}\``
  if (Array.isArray(node.type)) return node.type.join(' or ')
  switch (node.type) {
    case 'array':
      return node.items ? `${typeOf(node.items)}[]` : 'array'
    case 'object':
      if (node.properties) return 'object'
      if (node.additionalProperties && typeof node.additionalProperties === 'object')
        return `map of ${typeOf(node.propertyNames ?? { type: 'string' })} to ${typeOf(node.additionalProperties)}`
      return 'object'
    case undefined:
      return 'any'
    default:
      return node.type
  }
}

function allowedOf(node: Node): string {
  if (node.anyOf) return node.anyOf.map(allowedOf).filter(Boolean).join('; ')
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(', ')
  const parts: string[] = []
  if (node.type === 'integer' || node.type === 'number') {
    // zod gives every integer JavaScript's safe range: a bound that large says nothing.
    const max =
      node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined
    const min =
      node.minimum !== undefined && node.minimum > -Number.MAX_SAFE_INTEGER ? node.minimum : undefined
    if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`)
    else if (min !== undefined) parts.push(`≥ ${min}`)
    else if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`)
    if (min === undefined && max !== undefined) parts.push(`≤ ${max}`)
  }
  if (node.minLength !== undefined || node.maxLength !== undefined)
    parts.push(`${node.minLength ?? 0} to ${node.maxLength ?? '∞'} characters`)
  if (node.pattern) parts.push(`matches \`${node.pattern}\``)
  if (node.type === 'array') {
    if (node.minItems) parts.push(`at least ${node.minItems}`)
    const each = node.items && !objectOf(node.items) ? allowedOf(node.items) : ''
    if (each) parts.push(`each ${each}`)
  }
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
    const each = allowedOf(node.additionalProperties)
    if (each) parts.push(`each value ${each}`)
  }
  return parts.join(', ')
}

function defaultOf(node: Node, required: boolean, hasTable: boolean): string {
  if (!('default' in node)) return required ? '**required**' : '—'
  const value = withNestedDefaults(node.default, node)
  const text = yamlFlow(value)
  // A whole section's defaults are its fields' defaults, listed in its own table.
  return hasTable && text.length > 60 ? 'its fields’ defaults' : `\`${text}\``
}

/** A default as it takes effect: `{}` for a section with defaulted fields means those fields' defaults. */
function withNestedDefaults(value: unknown, node: Node): unknown {
  const object = objectOf(node)
  if (!object?.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const [name, field] of Object.entries(object.properties)) {
    if (name in filled) filled[name] = withNestedDefaults(filled[name], field)
    else if ('default' in field) filled[name] = withNestedDefaults(field.default, field)
  }
  return filled
}

function yamlFlow(value: unknown): string {
  // One line however long (lineWidth 0: no folding): a Markdown table cell cannot span lines.
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 })
    .trim()
    .replace(/\[ /g, '[')
    .replace(/ \]/g, ']')
}

/** Wraps prose at 105 columns, as the hand-written pages are. */
function wrap(text: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > 105) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line].join('\n')
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')
}

/** A Markdown table with padded columns, so the page reads well as source too. */
function formatTable(header: string[], rows: string[][]): string[] {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')))
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => row[column]!.length)))
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(cells[0]!), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)]
}
