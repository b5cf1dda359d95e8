import type { Schema } from './schema.js'

/**
 * A JSON Schema (draft 2020-12) node, as {@link toJSONSchema} writes it: the keywords zod's
 * `z.toJSONSchema` uses for the same constructs, so a reader of one reads the other.
 */
export interface JsonSchema {
  type?: 'number' | 'integer' | 'string' | 'boolean' | 'null' | 'array' | 'object'
  description?: string
  default?: unknown
  const?: unknown
  /** Not written by {@link toJSONSchema} (core's schemas have no enums); for readers that add one. */
  enum?: unknown[]
  anyOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: JsonSchema | boolean
  propertyNames?: JsonSchema
  items?: JsonSchema
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  minItems?: number
  pattern?: string
}

/**
 * The JSON Schema of what `schema` accepts as input (zod's `io: 'input'`): types, bounds, patterns,
 * required keys and defaults. What only code can check (refinements, custom schemas) is left out, so a
 * custom schema is `{}` (anything). For documentation, not for validating: validate with the schema.
 *
 * @example
 * toJSONSchema(v.strictObject({ port: v._default(v.number().check(v.int()), 4000) }))
 * // { type: 'object', properties: { port: { type: 'integer', default: 4000 } }, additionalProperties: false }
 */
export function toJSONSchema(schema: Schema): JsonSchema {
  const node = base(schema)
  for (const check of schema.checks) {
    const rule = check.rule
    if (!rule) continue
    if (rule.check === 'int') node.type = 'integer'
    else if (rule.check === 'regex') node.pattern = rule.pattern.source
    else if (rule.check === 'minLength') node[node.type === 'array' ? 'minItems' : 'minLength'] = rule.minimum
    else if (rule.big) node[rule.inclusive ? 'maximum' : 'exclusiveMaximum'] = rule.limit
    else node[rule.inclusive ? 'minimum' : 'exclusiveMinimum'] = rule.limit
  }
  return node
}

function base(schema: Schema): JsonSchema {
  const def = schema.def
  switch (def.type) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'null':
      return { type: def.type }
    case 'literal':
      return { type: typeof def.value as 'string' | 'number' | 'boolean', const: def.value }
    case 'custom':
    case 'transform':
      return {}
    case 'optional':
      return toJSONSchema(def.inner)
    case 'default':
    case 'prefault':
      return { ...toJSONSchema(def.inner), default: def.value }
    case 'pipe':
      return toJSONSchema(def.in)
    case 'array':
      return { type: 'array', items: toJSONSchema(def.element) }
    case 'record':
      return {
        type: 'object',
        propertyNames: { type: 'string' },
        additionalProperties: toJSONSchema(def.value),
      }
    case 'union':
      return { anyOf: def.options.map(toJSONSchema) }
    case 'object': {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const [key, field] of Object.entries(def.shape)) {
        properties[key] = toJSONSchema(field)
        if (field.optin === undefined) required.push(key)
      }
      return {
        type: 'object',
        properties,
        ...(required.length ? { required } : {}),
        ...(def.unknownKeys === 'strict' ? { additionalProperties: false } : {}),
      }
    }
  }
}
