import type * as z from 'zod/mini'

type Issue = z.core.$ZodRawIssue

// Units of the collections core's schemas check the length of (zod also knows sets, maps, files).
const units: Record<string, string | undefined> = { string: 'characters', array: 'items' }

const describeValue = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value))

// What zod calls the type of a received value: `typeof`, except NaN, null, arrays and class instances.
function receivedType(input: unknown): string {
  if (Number.isNaN(input)) return 'nan'
  if (typeof input !== 'object') return typeof input
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'array'
  const type = (input as { constructor?: { name: string } }).constructor
  return Object.getPrototypeOf(input) !== Object.prototype && type ? type.name : 'object'
}

function typeName(type: string, input?: unknown): string {
  if (type === 'number' && typeof input === 'number' && !Number.isFinite(input)) return String(input)
  return type === 'nan' ? 'NaN' : type
}

// zod words a missing origin differently for the two bounds ("value" when too big, as is when too small).
function bound(
  issue: { origin?: string; exact?: boolean; inclusive?: boolean },
  limit: unknown,
  big: boolean,
) {
  const adjective = issue.exact ? 'exactly ' : `${big ? '<' : '>'}${issue.inclusive ? '=' : ''}`
  const origin = big ? (issue.origin ?? 'value') : issue.origin
  const unit = units[issue.origin ?? '']
  return unit
    ? `expected ${origin} to have ${adjective}${limit} ${unit}`
    : `expected ${origin} to be ${adjective}${limit}`
}

/**
 * zod's English messages for the issues core's schemas can raise, word for word. zod/mini loads no
 * locale (every message would read "Invalid input"), and zod's whole English locale costs ~1 KB of the
 * gzipped browser budget for messages core never produces (string formats, files, sets, maps).
 * `english-messages.test.ts` holds these to zod's own English locale. Other issues return
 * `undefined`, so zod falls back to its configured locale, then to "Invalid input".
 */
export function englishMessages(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${typeName(issue.expected)}, received ${typeName(receivedType(issue.input), issue.input)}`
    case 'invalid_value':
      return issue.values.length === 1
        ? `Invalid input: expected ${describeValue(issue.values[0])}`
        : `Invalid option: expected one of ${issue.values.map(describeValue).join('|')}`
    case 'too_big':
      return `Too big: ${bound(issue, issue.maximum, true)}`
    case 'too_small':
      return `Too small: ${bound(issue, issue.minimum, false)}`
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map(describeValue).join(', ')}`
    case 'invalid_union': {
      const { options } = issue as { options?: unknown[] }
      if (options?.length)
        return `Invalid discriminator value. Expected ${options.map((option) => `'${String(option)}'`).join(' | ')}`
      return issue.inclusive === false ? 'Invalid input: more than one option matched' : 'Invalid input'
    }
    default:
      return undefined
  }
}
